package dev.keep.sev.launch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The firmware's correction of a CPUID page it rejected at SNP_LAUNCH_UPDATE: the page Keep sent,
 * the page the firmware wrote back, and the entries that differ. The guest sees the corrected
 * values. The launch digest does not change: CPUID pages are measured with zero CONTENTS (only
 * their type and GPA enter PAGE_INFO, sev-snp.md §4.1), so a correction is visible to the keep's
 * CPUID view but not to an attester comparing MEASUREMENT.
 *
 * @param gpa the CPUID page's guest-physical address
 * @param sent the page Keep issued first
 * @param corrected the page the firmware returned, which was issued the second time
 */
public record CpuidCorrection(long gpa, byte[] sent, byte[] corrected) {

    public CpuidCorrection {
        sent = sent.clone();
        corrected = corrected.clone();
    }

    @Override
    public byte[] sent() {
        return sent.clone();
    }

    @Override
    public byte[] corrected() {
        return corrected.clone();
    }

    /**
     * One line per differing entry, e.g. {@code CPUID 0x00000007.0: ebx 0x029c6fbf -> 0x00840003};
     * entries are compared by position, which the firmware keeps.
     */
    public List<String> differences() {
        ByteBuffer a = ByteBuffer.wrap(sent).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer b = ByteBuffer.wrap(corrected).order(ByteOrder.LITTLE_ENDIAN);
        List<String> lines = new ArrayList<>();
        int countA = a.getInt(0);
        int countB = b.getInt(0);
        if (countA != countB) {
            lines.add("entry count " + countA + " -> " + countB);
        }
        int entries = Math.min(Math.max(countA, countB), SnpCpuidPage.MAX_ENTRIES);
        String[] registers = {"eax", "ebx", "ecx", "edx"};
        for (int i = 0; i < entries; i++) {
            int at = SnpCpuidPage.HEADER_SIZE + i * SnpCpuidPage.ENTRY_SIZE;
            StringBuilder line = new StringBuilder();
            if (a.getInt(at) != b.getInt(at) || a.getInt(at + 4) != b.getInt(at + 4)) {
                line.append(String.format(" leaf %#x.%d -> %#x.%d", a.getInt(at), a.getInt(at + 4),
                        b.getInt(at), b.getInt(at + 4)));
            }
            for (int r = 0; r < registers.length; r++) {
                int before = a.getInt(at + 24 + 4 * r);
                int after = b.getInt(at + 24 + 4 * r);
                if (before != after) {
                    line.append(String.format(" %s %#010x -> %#010x", registers[r], before, after));
                }
            }
            if (!line.isEmpty()) {
                lines.add(String.format("CPUID %#010x.%d:", b.getInt(at), b.getInt(at + 4)) + line);
            }
        }
        return lines;
    }
}
