package dev.keep.loader.wasi.suite;

import dev.keep.loader.KeepException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A directory of test cases (e.g. {@code tests/rust/testsuite/wasm32-wasip1}): every {@code *.wasm}
 * file in it is a test, with the {@code .json} of the same base name as its specification.
 *
 * @param dir the directory, absolute and normalised
 * @param label how test ids name it: the path below the nearest ancestor folder named {@code tests}
 *     (as the suite lays itself out), else the directory's own name
 */
public record SuiteDirectory(Path dir, String label) {

    /** The suite directory {@code dir}; a missing or non-directory path is a one-line error. */
    public static SuiteDirectory of(Path dir) {
        Path absolute = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(absolute)) {
            throw new KeepException(dir + ": " + (Files.exists(absolute) ? "not a directory" : "no such directory"));
        }
        return new SuiteDirectory(absolute, labelOf(absolute));
    }

    /** The tests, sorted by name so that every run prints them in the same order. */
    public List<SuiteTest> tests() {
        List<Path> programs;
        try (Stream<Path> entries = Files.list(dir)) {
            programs = entries.filter(p -> p.getFileName().toString().endsWith(".wasm") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new KeepException(dir + ": cannot list: " + e.getMessage());
        }
        List<SuiteTest> tests = new ArrayList<>();
        for (Path wasm : programs) {
            String file = wasm.getFileName().toString();
            String name = file.substring(0, file.length() - ".wasm".length());
            Path json = dir.resolve(name + ".json");
            tests.add(new SuiteTest(idOf(name), name, wasm, Files.isRegularFile(json) ? Optional.of(json) : Optional.empty()));
        }
        return tests;
    }

    /** The id a test called {@code name} has in this directory. */
    public String idOf(String name) {
        return label + "/" + name;
    }

    private static String labelOf(Path dir) {
        for (Path ancestor = dir.getParent(); ancestor != null && ancestor.getFileName() != null; ancestor = ancestor.getParent()) {
            if (ancestor.getFileName().toString().equals("tests")) {
                return ancestor.relativize(dir).toString().replace('\\', '/');
            }
        }
        return dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
    }
}
