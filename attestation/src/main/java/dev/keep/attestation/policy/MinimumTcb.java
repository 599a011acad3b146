package dev.keep.attestation.policy;

import dev.keep.attestation.report.TcbVersion;
import java.util.ArrayList;
import java.util.List;

/** Lowest acceptable SPL per firmware component; {@code fmc} only applies to Turin-layout TCBs. */
public record MinimumTcb(int bootloader, int tee, int snp, int microcode, int fmc) {
    public MinimumTcb {
        for (int v : new int[] {bootloader, tee, snp, microcode, fmc}) {
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("minimum TCB values must be 0..255, got " + v);
            }
        }
    }

    /** Components of {@code actual} below this minimum, as "snp 8 < 10"; empty when all are high enough. */
    public List<String> shortfalls(TcbVersion actual) {
        List<String> out = new ArrayList<>();
        below(out, "bootloader", actual.bootloader(), bootloader);
        below(out, "tee", actual.tee(), tee);
        below(out, "snp", actual.snp(), snp);
        below(out, "microcode", actual.microcode(), microcode);
        if (actual.hasFmc()) {
            below(out, "fmc", actual.fmc(), fmc);
        }
        return out;
    }

    @Override
    public String toString() {
        return "bl=" + bootloader + " tee=" + tee + " snp=" + snp + " ucode=" + microcode + " fmc=" + fmc;
    }

    private static void below(List<String> out, String name, int actual, int minimum) {
        if (actual < minimum) {
            out.add(name + " " + actual + " < " + minimum);
        }
    }
}
