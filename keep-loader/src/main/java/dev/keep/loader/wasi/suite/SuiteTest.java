package dev.keep.loader.wasi.suite;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One test case of the suite: a .wasm program and, when present, the .json beside it.
 *
 * @param id the suite's label and the test's name, e.g. {@code c/testsuite/wasm32-wasip1/lseek}
 * @param name the base name of the .wasm file
 * @param wasm the program
 * @param spec its specification file; empty means the default specification
 */
public record SuiteTest(String id, String name, Path wasm, Optional<Path> spec) {}
