package dev.keep.attestation.verify;

import dev.keep.attestation.cert.KeyExtensions;
import dev.keep.attestation.report.AttestationReport;
import dev.keep.attestation.report.Hex;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.report.SigningKey;
import dev.keep.attestation.report.TcbVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * Compares the VCEK/VLEK X.509 extensions with the report: the key was derived for one TCB (and, for a VCEK, one
 * chip), so its SPLs must equal REPORTED_TCB and its hwID must equal CHIP_ID. Otherwise a key endorsed for an old,
 * vulnerable TCB or another chip could vouch for this report.
 */
final class EndorsementChecks {
    static final String TCB = "leaf.tcb";
    static final String HW_ID = "leaf.hwId";
    static final String PRODUCT_NAME = "leaf.productName";

    private EndorsementChecks() {}

    static List<Check> checks(AttestationReport report, Product product, KeyExtensions ext, SigningKey kind) {
        List<Check> out = new ArrayList<>();
        out.add(tcb(report, product, ext, kind));
        out.add(hwId(report, product, ext, kind));
        out.add(productName(product, ext, kind));
        return out;
    }

    private static Check tcb(AttestationReport report, Product product, KeyExtensions ext, SigningKey kind) {
        TcbVersion reported = report.reportedTcb(product.tcbLayout());
        List<String> mismatches = new ArrayList<>();
        compare(mismatches, "blSPL", ext.bootloader(), reported.bootloader());
        compare(mismatches, "teeSPL", ext.tee(), reported.tee());
        compare(mismatches, "snpSPL", ext.snp(), reported.snp());
        compare(mismatches, "ucodeSPL", ext.microcode(), reported.microcode());
        if (reported.hasFmc()) {
            compare(mismatches, "fmcSPL", ext.fmc(), reported.fmc());
        }
        mismatches.addAll(ext.problems());
        String name = kind.name();
        return mismatches.isEmpty()
                ? Check.pass(TCB, name + " TCB equals REPORTED_TCB (" + reported + ")")
                : Check.fail(TCB, name + " TCB does not match REPORTED_TCB (" + reported + "): "
                        + String.join(", ", mismatches));
    }

    private static void compare(List<String> out, String name, OptionalInt cert, int reported) {
        if (cert.isEmpty()) {
            out.add(name + " missing from certificate");
        } else if (cert.getAsInt() != reported) {
            out.add(name + " certificate " + cert.getAsInt() + " vs report " + reported);
        }
    }

    private static Check hwId(AttestationReport report, Product product, KeyExtensions ext, SigningKey kind) {
        if (kind == SigningKey.VLEK) {
            return Check.pass(HW_ID, "VLEK is not chip-specific and carries no hwID"
                    + ext.cspId().map(csp -> " (issued to " + csp + ")").orElse(""));
        }
        if (ext.hwId().isEmpty()) {
            return Check.fail(HW_ID, "VCEK has no hwID extension");
        }
        if (report.chipIdMasked()) {
            return Check.pass(HW_ID, "CHIP_ID is masked (all zero) in the report; the chip-specific VCEK signature "
                    + "still binds it to one chip");
        }
        byte[] hwId = ext.hwId().get();
        byte[] chipPrefix = Arrays.copyOf(report.chipId(), product.hwIdLength());
        if (hwId.length != product.hwIdLength()) {
            return Check.fail(HW_ID, "hwID is " + hwId.length + " bytes; a " + product.kdsName() + " VCEK has "
                    + product.hwIdLength());
        }
        return Arrays.equals(hwId, chipPrefix)
                ? Check.pass(HW_ID, "hwID equals CHIP_ID" + (product.hwIdLength() < 64 ? "[0.." + product.hwIdLength()
                        + "]" : "") + " " + abbreviate(Hex.encode(hwId)))
                : Check.fail(HW_ID, "hwID " + abbreviate(Hex.encode(hwId)) + " is not the report's CHIP_ID "
                        + abbreviate(Hex.encode(chipPrefix)));
    }

    private static Check productName(Product product, KeyExtensions ext, SigningKey kind) {
        if (ext.productName().isEmpty()) {
            return Check.fail(PRODUCT_NAME, kind.name() + " has no productName extension");
        }
        String name = ext.productName().get();
        return Product.fromName(name).filter(p -> p == product).isPresent()
                ? Check.pass(PRODUCT_NAME, "productName '" + name + "' is " + product.kdsName())
                : Check.fail(PRODUCT_NAME, "productName '" + name + "' is not " + product.kdsName());
    }

    private static String abbreviate(String hex) {
        return hex.length() <= 24 ? hex : hex.substring(0, 12) + "..." + hex.substring(hex.length() - 12);
    }
}
