package dev.keep.bench.wasiio;

import java.nio.file.Path;
import java.util.List;

/**
 * What every engine runs: the app (wasm or native), its work directory (holding in-1MiB.bin, and
 * preopened for the wasm app at {@link #GUEST_DIR}) and the loop counts.
 */
record Workload(Path wasm, Path nativeBinary, Path workDir, long oneByteWrites, long bigWrites, long readPasses) {
    static final String GUEST_DIR = "/bench";

    /** The app's arguments after argv[0]. */
    List<String> appArgs() {
        return List.of(Long.toString(oneByteWrites), Long.toString(bigWrites), Long.toString(readPasses));
    }

    /** The app's arguments for running only the loop named {@code loop} ("none": no loop at all). */
    List<String> appArgs(String loop) {
        return List.of(Long.toString(oneByteWrites), Long.toString(bigWrites), Long.toString(readPasses), loop);
    }
}
