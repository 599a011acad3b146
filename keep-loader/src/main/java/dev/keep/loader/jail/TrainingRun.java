package dev.keep.loader.jail;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.wasm.AppModuleLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The launch of Keep's built-in training module (runner-training.wat), output discarded. */
final class TrainingRun {
    private TrainingRun() {}

    /** Writes the module into {@code dir} and returns its launch. */
    static KeepLaunch launch(Path dir) throws IOException {
        String wat;
        try (InputStream in = TrainingRun.class.getResourceAsStream("runner-training.wat")) {
            if (in == null) {
                throw new IOException("runner-training.wat is missing from Keep's class path");
            }
            wat = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path module = Files.write(dir.resolve("runner-training.wasm"), Wat2Wasm.parse(wat));
        FileEntry none = new FileEntry.Null(Optional.empty());
        return new KeepLaunch(AppModuleLoader.load(module), List.of("runner-training.wasm"), Map.of(),
                List.of(none, none, none),
                new HostStreams(InputStream.nullInputStream(), OutputStream.nullOutputStream(),
                        OutputStream.nullOutputStream(), false));
    }
}
