package dev.keep.loader.link;

import dev.keep.loader.KeepException;
import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.Backend;
import dev.keep.loader.backend.BackendKind;
import dev.keep.loader.hostcall.HostcallOutcome;
import dev.keep.loader.hostcall.UserModeKeep;
import dev.keep.loader.kvm.LinkedKeep;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import java.io.IOException;

/**
 * The kvm backend's stand-in on a machine without /dev/kvm: the launch becomes a keep image and its
 * host side exactly as the kvm backend makes them ({@link LinkedKeep}: argv and environment baked
 * into the image, the launch's standard streams, preopened directories and sockets behind the real
 * dispatcher and WASI handler), and the image's ring-3 code runs natively ({@link UserModeKeep}).
 * What the keep's own code does is exercised as on kvm; only the ring-0 stubs are not.
 */
final class NativeKeepBackend implements Backend {
    @Override
    public BackendKind kind() {
        return BackendKind.KVM;
    }

    @Override
    public Availability availability() {
        return Availability.available("ring 3 run natively by the user-mode harness (no /dev/kvm here)");
    }

    @Override
    public RunResult run(KeepLaunch launch) {
        try (LinkedKeep keep = LinkedKeep.of(launch)) {
            UserModeKeep.Result result = UserModeKeep.run(keep.image(), keep.host(), mailbox -> { });
            if (result.fault() != null) {
                return new RunResult.Trapped("the keep's code faulted natively: " + result.fault());
            }
            if (result.outcome() instanceof HostcallOutcome.Exited exited) {
                return new RunResult.Exited(exited.status());
            }
            return new RunResult.Trapped("the keep stopped: " + result.outcome());
        } catch (IOException e) {
            throw new KeepException("user-mode harness: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeepException("interrupted");
        }
    }
}
