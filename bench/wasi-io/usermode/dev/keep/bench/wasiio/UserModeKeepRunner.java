package dev.keep.bench.wasiio;

import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.loader.hostcall.HostcallOutcome;
import dev.keep.loader.hostcall.UserModeKeep;
import dev.keep.loader.wasi.host.KeepLimits;
import dev.keep.loader.wasi.host.Preopen;
import dev.keep.loader.wasi.host.WasiCallHandler;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.LaunchConfig;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The app as the kvm backend would run it, minus the VM: linked into a keep image (argv baked in)
 * by {@link KeepLinker}, its ring-3 code run natively in a child process by keep-loader's test
 * harness {@link UserModeKeep}, and every hostcall answered by the real {@link HostcallDispatcher}
 * and {@link WasiCallHandler}, as keep-loader's NativeKeepBackend does. Counting the doorbells is
 * why this is not NativeKeepBackend itself: the harness reports each one through its mailbox hook.
 */
public final class UserModeKeepRunner implements KeepImageRunner {
    @Override
    public Outcome run(Workload work, List<String> appArgs) throws Exception {
        LaunchConfig config = new LaunchConfig(work.wasm().getFileName().toString(), appArgs,
                new LinkedHashMap<>(), LaunchConfig.DEFAULT_MEMORY_PAGES);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AtomicLong doorbells = new AtomicLong();
        try (OutputStream devNull = new FileOutputStream("/dev/null");
                // The dispatcher closes the WASI handler's descriptors when it is closed.
                HostcallDispatcher host = new HostcallDispatcher(devNull, err,
                        new WasiCallHandler(InputStream.nullInputStream(), devNull, err,
                                List.of(new Preopen(Workload.GUEST_DIR, work.workDir(), false)), KeepLimits.DEFAULT))) {
            UserModeKeep.Result result = UserModeKeep.run(KeepLinker.link(Files.readAllBytes(work.wasm()), config),
                    host, mailbox -> doorbells.incrementAndGet());
            String stderr = err.toString(StandardCharsets.UTF_8);
            if (result.fault() != null || !(result.outcome() instanceof HostcallOutcome.Exited exited)
                    || exited.status() != 0) {
                throw new IllegalStateException("the user-mode keep ended with " + result + ": " + stderr.strip());
            }
            return new Outcome(stderr, doorbells.get());
        }
    }
}
