package dev.keep.loader.wasi.suite;

import java.nio.file.FileSystems;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.function.Predicate;
import java.util.regex.PatternSyntaxException;

/**
 * {@code --filter GLOB} over test ids: a test runs when the glob matches its whole id
 * ({@code rust/testsuite/wasm32-wasip1/path_*}) or just its name, the id's last part ({@code path_*}).
 */
public final class TestFilter implements Predicate<String> {
    private final PathMatcher matcher;

    private TestFilter(PathMatcher matcher) {
        this.matcher = matcher;
    }

    /** Every test. */
    public static Predicate<String> all() {
        return id -> true;
    }

    /** @throws IllegalArgumentException with a one-line message when {@code glob} is not a valid glob */
    public static TestFilter of(String glob) {
        try {
            return new TestFilter(FileSystems.getDefault().getPathMatcher("glob:" + glob));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("not a valid glob '" + glob + "': " + e.getDescription());
        }
    }

    @Override
    public boolean test(String id) {
        try {
            return matcher.matches(Path.of(id)) || matcher.matches(Path.of(id.substring(id.lastIndexOf('/') + 1)));
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
