package dev.keep.loader.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.KeepException;
import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.BackendKind;
import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.nil.NilBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kvm backend is chosen only when asked for by name: its runner has never run on a real
 * /dev/kvm, so {@code auto} passes it over even where the device is usable. Real backends, with the
 * device's state given instead of probed (this machine has no /dev/kvm).
 */
class KvmBackendSelectionTest {
    private static final String USABLE = "/dev/kvm usable, API version 12 (hardware)";
    private static final String MISSING = "/dev/kvm does not exist: this host has no KVM support";

    private static BackendSelector selector(Availability device) {
        return new BackendSelector(List.of(new KvmBackend(() -> device, line -> { }), new NilBackend(line -> { })));
    }

    @Test
    void autoPassesOverAUsableKvmAndSaysWhy() {
        BackendSelector.Selection selection = selector(Availability.available(USABLE)).select("auto");

        assertEquals(BackendKind.NIL, selection.backend().kind());
        assertEquals(2, selection.reasoning().size(), selection.reasoning().toString());
        String skipped = selection.reasoning().getFirst();
        assertTrue(skipped.startsWith("auto: skipped kvm: chosen only with --backend kvm: " + USABLE), skipped);
        assertTrue(skipped.contains("experimental: its KVM runner has never run on a real /dev/kvm"), skipped);
        assertTrue(selection.reasoning().get(1).startsWith("auto: chose nil: "), selection.reasoning().toString());
    }

    @Test
    void askingForKvmByNameChoosesItWhereTheDeviceIsUsable() {
        BackendSelector selector = selector(Availability.available(USABLE));
        BackendSelector.Selection selection = selector.select("kvm");

        assertSame(selector.backends().getFirst(), selection.backend());
        assertEquals(1, selection.reasoning().size());
        String chose = selection.reasoning().getFirst();
        assertTrue(chose.startsWith("chose kvm as requested: " + USABLE), chose);
        assertTrue(chose.contains("experimental"), chose);
    }

    @Test
    void withoutTheDeviceKvmIsRefusedInOneLineNamingIt() {
        BackendSelector selector = selector(Availability.unavailable(MISSING));

        KeepException refused = assertThrows(KeepException.class, () -> selector.select("kvm"));
        assertTrue(refused.getMessage().startsWith("backend kvm is unavailable: " + MISSING), refused.getMessage());
        assertFalse(refused.getMessage().contains("\n"), refused.getMessage());

        BackendSelector.Selection auto = selector.select("auto");
        assertEquals(BackendKind.NIL, auto.backend().kind());
        assertTrue(auto.reasoning().getFirst().startsWith("auto: skipped kvm: " + MISSING), auto.reasoning().toString());
    }

    @Test
    void theKvmBackendReadsTheDeviceStateOnEveryCall() {
        Availability[] device = {Availability.unavailable(MISSING)};
        KvmBackend kvm = new KvmBackend(() -> device[0], line -> { });
        assertFalse(kvm.availability().available());
        device[0] = Availability.available(USABLE);
        Availability now = kvm.availability();
        assertTrue(now.available());
        assertTrue(now.onRequestOnly());
        assertFalse(now.autoSelectable());
    }

    @Test
    void onlyAnAvailableBackendCanBeOnRequestOnly() {
        assertThrows(IllegalArgumentException.class, () -> new Availability(false, "no device", true));
        assertTrue(Availability.available("x").autoSelectable());
        assertFalse(Availability.unavailable("x").autoSelectable());
    }
}
