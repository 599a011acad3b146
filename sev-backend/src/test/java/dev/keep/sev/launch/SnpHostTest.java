package dev.keep.sev.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.kvm.HostCpuid;
import dev.keep.sev.CpuidSevInfo;
import org.junit.jupiter.api.Test;

/**
 * The C-bit position an SNP launch builds the image with comes from the host's CPUID
 * 0x8000001F EBX[5:0], and a host without SEV-SNP gets one clear line instead.
 */
class SnpHostTest {

    private static CpuidSevInfo amd(long maxExtended, boolean leaf, int eax, int ebx) {
        return new CpuidSevInfo(CpuidSevInfo.AMD_VENDOR, maxExtended, leaf, eax, ebx, 509, 100);
    }

    @Test
    void theCBitIsEbxBits5To0OfLeaf8000001f() throws Exception {
        assertEquals(51, SnpHost.from(SnpLauncherTest.cpuidWithCBit(51)).cBitPosition());
        assertEquals(47, SnpHost.from(SnpLauncherTest.cpuidWithCBit(47)).cBitPosition());
        // The physical-address reduction and VMPL count above bit 5 do not leak into the position.
        assertEquals(51, SnpHost.from(amd(0x80000021L, true, 0x1F, (0xF << 12) | (0x3F << 6) | 51)).cBitPosition());
    }

    @Test
    void aHostWithoutSevSnpIsRefusedInOneLineSayingWhy() {
        assertRefused(new CpuidSevInfo("GenuineIntel", 0x80000008L, false, 0, 0, 0, 0),
                "the CPU is 'GenuineIntel', not AuthenticAMD");
        assertRefused(amd(0x80000008L, false, 0, 0),
                "CPUID leaf 0x8000001f (encrypted memory) is absent (highest extended leaf 0x80000008)");
        assertRefused(amd(0x80000021L, true, 0x1, 51), "CPUID 0x8000001f EAX 0x1 lacks SEV (bit 1)");
        assertRefused(amd(0x80000021L, true, 0xB, 51), "CPUID 0x8000001f EAX 0xb has SEV but lacks SEV-SNP (bit 4)");
        assertRefused(amd(0x80000021L, true, 0x1B, 31), "EBX[5:0] puts the C-bit at 31, outside the 32-51");
    }

    @Test
    void aCpuidSourceThatCannotRunIsOneLine() {
        SnpLaunchException e = assertThrows(SnpLaunchException.class, () -> SnpHost.read((leaf, subleaf) -> {
            throw new IllegalStateException("no cpuid driver");
        }));
        assertEquals("cannot read the host's CPUID to find the C-bit position: no cpuid driver", e.getMessage());
    }

    /** This machine's real CPUID: the verdict agrees with leaf 0x8000001F read directly. */
    @Test
    void thisMachineGetsTheVerdictItsCpuidCallsFor() {
        CpuidSevInfo direct = CpuidSevInfo.read(HostCpuid::query);
        boolean snp = direct.isAmd() && direct.snpSupported() && direct.sevSupported();
        try {
            SnpHost host = SnpHost.read(HostCpuid::query);
            assertTrue(snp, "a host without SEV-SNP got a C-bit");
            assertEquals(direct.cBitPosition(), host.cBitPosition());
        } catch (SnpLaunchException e) {
            assertFalse(snp && direct.cBitPosition() >= 32 && direct.cBitPosition() <= 51, e.getMessage());
            assertTrue(e.getMessage().startsWith("this host cannot launch an SEV-SNP keep: "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    private static void assertRefused(CpuidSevInfo cpuid, String reason) {
        SnpLaunchException e = assertThrows(SnpLaunchException.class, () -> SnpHost.from(cpuid));
        assertTrue(e.getMessage().startsWith("this host cannot launch an SEV-SNP keep: "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
