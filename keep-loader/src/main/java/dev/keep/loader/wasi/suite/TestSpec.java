package dev.keep.loader.wasi.suite;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one test of the suite runs and expects, in the operation-based form; a legacy specification
 * ({@code args}, {@code env}, {@code root}, {@code exit_code}, {@code stdout}, {@code stderr}) is
 * converted to it as the spec describes.
 *
 * @param operations the steps, in order
 * @param proposals WASI proposals the test needs enabled (e.g. {@code sockets})
 */
public record TestSpec(List<Operation> operations, List<String> proposals) {
    public TestSpec {
        operations = List.copyOf(operations);
        proposals = List.copyOf(proposals);
    }

    /** The specification of a test without a .json file: run with nothing, expect exit 0. */
    public static TestSpec defaults() {
        return new TestSpec(List.of(new Operation.Run(List.of(), Map.of(), Optional.empty()), new Operation.Wait(0)),
                List.of());
    }
}
