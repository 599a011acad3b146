package dev.keep.samples;

import com.dylibso.chicory.wabt.Wat2Wasm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Assembles each sample's WebAssembly text ({@code samples/NAME/NAME.wat}) into the {@code NAME.wasm}
 * beside it, with Chicory's wabt, so a fresh clone needs nothing but a JDK to get runnable samples.
 * A .wasm that is already newer than its .wat is left alone, which keeps rebuilds quiet and fast.
 */
public final class SampleAssembler {
    private SampleAssembler() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: SampleAssembler SAMPLES_DIR");
            System.exit(2);
        }
        for (Path wat : findSources(Path.of(args[0]))) {
            Path wasm = wat.resolveSibling(wat.getFileName().toString().replaceFirst("\\.wat$", ".wasm"));
            if (Files.exists(wasm)
                    && Files.getLastModifiedTime(wasm).compareTo(Files.getLastModifiedTime(wat)) >= 0) {
                continue;
            }
            try {
                Files.write(wasm, Wat2Wasm.parse(wat.toFile()));
            } catch (RuntimeException e) {
                System.err.println("cannot assemble " + wat + ": " + e.getMessage());
                System.exit(1);
            }
        }
    }

    /** Every {@code DIR/NAME/NAME.wat} under the samples folder, in a stable order. */
    static List<Path> findSources(Path samplesDir) {
        try (Stream<Path> dirs = Files.list(samplesDir)) {
            return dirs.filter(Files::isDirectory)
                    .map(dir -> dir.resolve(dir.getFileName() + ".wat"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
