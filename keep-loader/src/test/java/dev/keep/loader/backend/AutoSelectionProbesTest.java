package dev.keep.loader.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.KeepException;
import dev.keep.loader.config.SevConfig;
import dev.keep.loader.kvm.KvmBackend;
import dev.keep.loader.nil.NilBackend;
import dev.keep.loader.sev.SevSnpBackend;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@code --backend auto} never takes the experimental sev-snp and kvm backends, so unless it is asked
 * to explain itself ({@code -v}) it does not probe the host for them: the SEV-SNP probe alone costs a
 * cold JVM about a third of a second of every {@code keep run}.
 */
class AutoSelectionProbesTest {
    private final AtomicInteger probes = new AtomicInteger();

    /** Host states as the probes would report them, counting how often they are asked for. */
    private Supplier<Availability> counted(String detail) {
        return () -> {
            probes.incrementAndGet();
            return Availability.unavailable(detail);
        };
    }

    private BackendSelector selector() {
        return new BackendSelector(List.of(
                new SevSnpBackend(counted("no SEV-SNP here"), SevConfig.defaults(), line -> {}),
                new KvmBackend(counted("no /dev/kvm here"), line -> {}),
                new NilBackend(line -> {})));
    }

    @Test
    void withoutAnExplanationAutoProbesNothingItWouldNeverTake() {
        BackendSelector.Selection selection = selector().select("auto", false);
        assertEquals(BackendKind.NIL, selection.backend().kind());
        assertEquals(0, probes.get());
        assertEquals(List.of("auto: skipped sev-snp: chosen only with --backend sev-snp",
                "auto: skipped kvm: chosen only with --backend kvm"), selection.reasoning().subList(0, 2));
    }

    @Test
    void explainingProbesEachAndSaysWhy() {
        BackendSelector.Selection selection = selector().select("auto", true);
        assertEquals(BackendKind.NIL, selection.backend().kind());
        assertEquals(2, probes.get());
        assertTrue(selection.reasoning().get(0).startsWith("auto: skipped sev-snp: no SEV-SNP here"), selection.reasoning().toString());
        assertTrue(selection.reasoning().get(1).startsWith("auto: skipped kvm: no /dev/kvm here"), selection.reasoning().toString());
    }

    @Test
    void askingForABackendByNameStillProbesIt() {
        KeepException refused = assertThrows(KeepException.class, () -> selector().select("kvm", false));
        assertTrue(refused.getMessage().contains("no /dev/kvm here"), refused.getMessage());
        assertEquals(1, probes.get());
    }
}
