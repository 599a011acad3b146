package dev.keep.attestation.report;

import java.util.Locale;
import java.util.Optional;

/**
 * AMD EPYC generations with SEV-SNP, named as AMD's Key Distribution Service names them. The generation fixes
 * the TCB_VERSION byte layout and how much of CHIP_ID identifies the chip.
 */
public enum Product {
    MILAN("Milan", TcbLayout.LEGACY, 64),
    GENOA("Genoa", TcbLayout.LEGACY, 64),
    TURIN("Turin", TcbLayout.TURIN, 8);

    private final String kdsName;
    private final TcbLayout tcbLayout;
    private final int hwIdLength;

    Product(String kdsName, TcbLayout tcbLayout, int hwIdLength) {
        this.kdsName = kdsName;
        this.tcbLayout = tcbLayout;
        this.hwIdLength = hwIdLength;
    }

    /** The name used in KDS URLs and in the AMD certificate common names ("ARK-Milan"). */
    public String kdsName() {
        return kdsName;
    }

    public TcbLayout tcbLayout() {
        return tcbLayout;
    }

    /** Number of leading CHIP_ID bytes that the VCEK hwID extension and the KDS URL carry. */
    public int hwIdLength() {
        return hwIdLength;
    }

    /**
     * Reads a product name as found in a VCEK productName extension ("Milan-B0", "Genoa", "Turin") or given by a
     * user ("milan"); a stepping suffix after '-' is ignored.
     */
    public static Optional<Product> fromName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String base = name.strip();
        int dash = base.indexOf('-');
        if (dash >= 0) {
            base = base.substring(0, dash);
        }
        for (Product p : values()) {
            if (p.kdsName.equalsIgnoreCase(base)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Maps CPUID family/model (report v3+) to a product. Genoa-family parts (Siena, Bergamo, models 0xA0-0xAF)
     * use the Genoa KDS product.
     */
    public static Optional<Product> fromCpuid(int family, int model) {
        if (family == 0x19 && model <= 0x0F) {
            return Optional.of(MILAN);
        }
        if (family == 0x19 && ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF))) {
            return Optional.of(GENOA);
        }
        if (family == 0x1A && model <= 0x11) {
            return Optional.of(TURIN);
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return kdsName;
    }

    public String lowerName() {
        return kdsName.toLowerCase(Locale.ROOT);
    }
}
