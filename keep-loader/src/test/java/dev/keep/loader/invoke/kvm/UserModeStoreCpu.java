package dev.keep.loader.invoke.kvm;

import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.loader.hostcall.HostcallOutcome;
import dev.keep.loader.hostcall.UserModeKeep;
import dev.keep.loader.kvm.KeepOutcome;
import dev.keep.loader.kvm.StoreCpu;
import dev.keep.shim.image.KeepImage;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * TEST DOUBLE for the vCPU only: runs a store keep's ring-3 code natively ({@link UserModeKeep}),
 * with guest memory shared between the harness and the host as KVM shares it. Everything else
 * (the image, the AWAIT protocol, the dispatcher, the store's host side) is the production code.
 */
public final class UserModeStoreCpu implements StoreCpu {
    @Override
    public KeepOutcome run(KeepImage image, HostcallDispatcher host, Consumer<MemorySegment> memory)
            throws Exception {
        UserModeKeep.Result result = UserModeKeep.run(image, host, mailbox -> { }, memory);
        if (result.fault() != null) {
            return new KeepOutcome.Terminated("keep faulted (native run): " + result.fault());
        }
        return switch (result.outcome()) {
            case HostcallOutcome.Exited e -> new KeepOutcome.Exited(e.status());
            case HostcallOutcome.Terminated t -> new KeepOutcome.Terminated(t.message());
            case HostcallOutcome.Resume r -> throw new IllegalStateException("a finished run cannot resume");
        };
    }
}
