package dev.keep.shim.compiler;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Prints per-file results for every non-SIMD spec file (run by hand: java ... SpecReport). */
final class SpecReport {
    private SpecReport() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path tmp = Files.createTempDirectory("spec");
        SpecRunner runner = new SpecRunner(tmp);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".wast"))
                    .filter(p -> !p.getFileName().toString().startsWith("simd_")).sorted().toList();
        }
        for (Path f : files) {
            if (args.length > 1 && !f.getFileName().toString().matches(args[1])) {
                continue;
            }
            try {
                SpecRunner.FileResult r = runner.run(f);
                System.out.println(r);
                r.failures().stream().limit(Integer.getInteger("fails", 3)).forEach(x -> System.out.println("    " + x));
            } catch (Exception | Error e) {
                System.out.println(f.getFileName() + ": ERROR " + e);
            }
        }
    }
}
