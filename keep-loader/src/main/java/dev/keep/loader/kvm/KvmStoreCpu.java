package dev.keep.loader.kvm;

import dev.keep.kvm.GuestMemory;
import dev.keep.kvm.KvmException;
import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.shim.image.KeepImage;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * Runs a store keep on /dev/kvm, as {@link KvmKeepRunner} runs an app's keep, with guest memory
 * that is not pre-faulted: most of a store keep's memory is its 4 GiB arena, touched only where
 * modules put memories and tables.
 *
 * <p>NOT YET RUN ON A REAL /dev/kvm (see {@link KvmBackend}); its host side and the keep's code are
 * tested with the keep's ring-3 code run natively.
 */
public final class KvmStoreCpu implements StoreCpu {
    private static final GuestMemory.Options STORE_MEMORY = new GuestMemory.Options(true, false);

    private final KvmKeepRunner runner = new KvmKeepRunner();
    private final HostCpuCheck cpuCheck = new HostCpuCheck();

    @Override
    public KeepOutcome run(KeepImage image, HostcallDispatcher host, Consumer<MemorySegment> memory)
            throws KvmException {
        return runner.run(dispatcher -> {
            PlainKeepVm vm = PlainKeepVm.create(image, dispatcher, cpuCheck, STORE_MEMORY);
            memory.accept(vm.guestMemory());
            return vm;
        }, host);
    }
}
