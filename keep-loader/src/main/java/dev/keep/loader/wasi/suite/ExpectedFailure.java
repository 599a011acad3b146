package dev.keep.loader.wasi.suite;

/**
 * A test that a backend is known to fail, and why.
 *
 * @param test the test id, e.g. {@code rust/testsuite/wasm32-wasip1/path_rename}
 * @param rule the WASI rule the test checks, which the backend does not follow
 * @param why why the backend differs
 * @param observed text the failing run shows (in its stderr, stdout or failure reason): if the test
 *     fails without it, it fails for another reason than the one listed, and that is reported
 */
public record ExpectedFailure(String test, String rule, String why, String observed) {}
