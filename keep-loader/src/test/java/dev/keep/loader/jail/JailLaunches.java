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

/** Launches for driving {@link JailSupervisor} directly. */
final class JailLaunches {
    private JailLaunches() {}

    static KeepLaunch of(Path app, InputStream in, OutputStream out, OutputStream err) {
        return new KeepLaunch(AppModuleLoader.load(app), List.of(app.getFileName().toString()), Map.of(),
                FileEntry.STANDARD_STREAMS, new HostStreams(in, out, err, false));
    }
}
