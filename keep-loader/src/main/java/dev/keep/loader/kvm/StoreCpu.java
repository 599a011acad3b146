package dev.keep.loader.kvm;

import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.shim.image.KeepImage;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * What runs a store keep: a KVM vCPU ({@link KvmStoreCpu}), or in the tests the keep's ring-3 code
 * natively. The store's host side is the same on either.
 */
@FunctionalInterface
public interface StoreCpu {

    /**
     * Runs the keep until its host ends it (or it faults, or the calling thread is interrupted),
     * answering its hostcalls with {@code host}.
     *
     * @param memory receives the keep's guest-physical memory before the keep's first
     *     instruction; the host reads and writes it while the keep waits in AWAIT
     * @throws Exception when the keep cannot be started; one line
     */
    KeepOutcome run(KeepImage image, HostcallDispatcher host, Consumer<MemorySegment> memory) throws Exception;
}
