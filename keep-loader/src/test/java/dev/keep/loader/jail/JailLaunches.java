package dev.keep.loader.jail;

import dev.keep.loader.config.FileEntry;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.wasm.AppModuleLoader;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Launches for driving {@link JailSupervisor} directly. */
final class JailLaunches {
    private JailLaunches() {}

    static KeepLaunch of(Path app, InputStream in, OutputStream out, OutputStream err) {
        return new KeepLaunch(AppModuleLoader.load(app), List.of(app.getFileName().toString()), Map.of(),
                FileEntry.STANDARD_STREAMS, new HostStreams(in, out, err, false));
    }

    /** The jailed runner's JVM, a descendant of this process, once it has started. */
    static ProcessHandle awaitRunner() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> runner = ProcessHandle.current().descendants()
                    .filter(p -> p.info().commandLine().orElse("").contains(JailedRunnerMain.class.getName()))
                    .filter(p -> p.info().command().orElse("").endsWith("/java"))
                    .findFirst();
            if (runner.isPresent()) {
                return runner.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no jailed runner appeared");
    }
}
