package dev.keep.loader.sev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.KeepException;
import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.BackendKind;
import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.config.SevConfig;
import dev.keep.loader.kvm.KvmBackend;
import dev.keep.loader.nil.NilBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sev-snp backend is chosen only when asked for by name: it has never run on SEV-SNP hardware,
 * so {@code auto} passes it over even where the host's SEV-SNP probe passes. Real backends, with the
 * host's state given instead of probed (this machine has no SEV-SNP and no /dev/kvm).
 */
class SevSnpBackendSelectionTest {
    private static final String SNP_READY = "SEV-SNP: available (firmware 1.55, state INIT)";
    private static final String NO_SNP = "CPU does not report SEV-SNP (CPUID 0x8000001F EAX bit 4 clear); /dev/sev does"
            + " not exist";

    private static BackendSelector selector(Availability snp, Availability kvm) {
        return new BackendSelector(List.of(new SevSnpBackend(() -> snp, SevConfig.defaults(), line -> { }),
                new KvmBackend(() -> kvm, line -> { }), new NilBackend(line -> { })));
    }

    @Test
    void autoNeverChoosesSevSnpEvenWhereItIsAvailable() {
        BackendSelector.Selection selection = selector(Availability.available(SNP_READY),
                Availability.available("/dev/kvm usable")).select("auto");

        assertEquals(BackendKind.NIL, selection.backend().kind());
        String skipped = selection.reasoning().getFirst();
        assertTrue(skipped.startsWith("auto: skipped sev-snp: chosen only with --backend sev-snp: " + SNP_READY),
                skipped);
        assertTrue(skipped.contains(SevSnpBackend.EXPERIMENTAL), skipped);
        assertTrue(selection.reasoning().get(1).startsWith("auto: skipped kvm: "), selection.reasoning().toString());
        assertTrue(selection.reasoning().get(2).startsWith("auto: chose nil: "), selection.reasoning().toString());
    }

    @Test
    void askingForSevSnpByNameChoosesItWhereTheHostHasSevSnp() {
        BackendSelector selector = selector(Availability.available(SNP_READY), Availability.unavailable("no kvm"));
        BackendSelector.Selection selection = selector.select("sev-snp");

        assertSame(selector.backends().getFirst(), selection.backend());
        String chose = selection.reasoning().getFirst();
        assertTrue(chose.startsWith("chose sev-snp as requested: " + SNP_READY), chose);
        assertTrue(chose.contains(SevSnpBackend.EXPERIMENTAL), chose);
        assertFalse(selection.backend().availability().autoSelectable());
    }

    @Test
    void withoutSevSnpItIsRefusedInOneLineWithTheProbesReasons() {
        BackendSelector selector = selector(Availability.unavailable(NO_SNP), Availability.unavailable("no kvm"));

        KeepException refused = assertThrows(KeepException.class, () -> selector.select("sev-snp"));
        assertEquals("backend sev-snp is unavailable: " + NO_SNP + " (the sev-snp backend is "
                + SevSnpBackend.EXPERIMENTAL + ")", refused.getMessage());
        assertEquals(BackendKind.NIL, selector.select("auto").backend().kind());
    }
}
