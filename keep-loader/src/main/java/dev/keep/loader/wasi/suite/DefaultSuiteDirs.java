package dev.keep.loader.wasi.suite;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where {@code keep wasi-suite} finds the suite when given no directory: the C, Rust and
 * AssemblyScript wasm32-wasip1 tests of {@code ../shared/testdata/wasi-testsuite} beside the project
 * root. The project root is the {@code keep.projectRoot} system property (set by the build for
 * tests), else the source checkout this code was loaded from ({@code keep-loader/target/...}), else
 * the working directory.
 */
public final class DefaultSuiteDirs {
    /** The suite, relative to the project root. */
    public static final String SUITE = "../shared/testdata/wasi-testsuite";
    private static final List<String> LANGUAGES = List.of("c", "rust", "assemblyscript");
    private static final String TARGET = "wasm32-wasip1";

    private DefaultSuiteDirs() {}

    /** The three test directories, or empty when no candidate root has the suite beside it. */
    public static Optional<List<Path>> find() {
        for (Path root : candidateRoots()) {
            Path tests = root.resolve(SUITE).resolve("tests").normalize();
            List<Path> dirs = new ArrayList<>();
            for (String language : LANGUAGES) {
                Path dir = tests.resolve(language).resolve("testsuite").resolve(TARGET);
                if (Files.isDirectory(dir)) {
                    dirs.add(dir);
                }
            }
            if (!dirs.isEmpty()) {
                return Optional.of(dirs);
            }
        }
        return Optional.empty();
    }

    /** The roots tried, for the message when none has the suite. */
    public static List<Path> candidateRoots() {
        Set<Path> roots = new LinkedHashSet<>();
        String property = System.getProperty("keep.projectRoot");
        if (property != null && !property.isBlank()) {
            roots.add(Path.of(property).toAbsolutePath().normalize());
        }
        checkoutRoot().ifPresent(roots::add);
        roots.add(Path.of("").toAbsolutePath().normalize());
        return List.copyOf(roots);
    }

    /** keep-loader/target/classes or keep-loader/target/keep-loader.jar: three levels below the root. */
    private static Optional<Path> checkoutRoot() {
        try {
            CodeSource code = DefaultSuiteDirs.class.getProtectionDomain().getCodeSource();
            if (code == null || code.getLocation() == null) {
                return Optional.empty();
            }
            Path location = Path.of(code.getLocation().toURI()).toAbsolutePath().normalize();
            Path target = location.getParent();
            if (target != null && target.getFileName() != null && target.getFileName().toString().equals("target")
                    && target.getParent() != null && target.getParent().getParent() != null) {
                return Optional.of(target.getParent().getParent());
            }
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            // Not loaded from a file: no checkout to find.
        }
        return Optional.empty();
    }
}
