package dev.keep.loader.kvm;

import dev.keep.kvm.KvmException;
import dev.keep.kvm.VcpuExit;
import dev.keep.kvm.VcpuFd;
import dev.keep.loader.hostcall.HostcallDispatcher;
import java.util.Optional;

/**
 * A VM whose vCPU 0 is ready to enter a keep, and what its exits mean: what {@link KvmKeepRunner}
 * runs. A plain keep's ({@link PlainKeepVm}) and an SEV-SNP keep's (launched by the sev-snp
 * backend) differ in how they are built and in the exits only one of them has; the run loop,
 * stopping and teardown are the same.
 */
public interface KeepVm extends AutoCloseable {

    /** Builds the VM on the vCPU thread, whose hostcalls {@code host} answers. */
    @FunctionalInterface
    interface Factory {
        /**
         * @throws KvmException when the device refuses a set-up step; one-line unchecked
         *     exceptions for everything else
         */
        KeepVm create(HostcallDispatcher host) throws KvmException;
    }

    /** vCPU 0, its registers loaded. */
    VcpuFd vcpu();

    /** Empty: resume the vCPU. Present: the keep is over. Never given {@code Intr}. */
    Optional<KeepOutcome> handle(VcpuExit exit);

    /** Closes the VM, its vCPU, its memory and its devices (not the hostcall dispatcher). */
    @Override
    void close();
}
