package dev.keep.loader.wasi.suite;

import dev.keep.loader.config.FileEntry;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepRunner;
import dev.keep.loader.run.RunRequest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Carries out one test's operations on a backend and checks each expectation in order, stopping at
 * the first that is not met, as the suite's runner does.
 *
 * <p>The backends run a program to completion with its streams given up front, so a run takes its
 * stdin from all the {@code write} operations before its {@code wait}, and {@code read}s check what
 * it wrote. As in the suite's runner, a read takes as many characters as its payload has from where
 * the previous read of that stream stopped: output after them is not checked. Connections
 * ({@code connect}, {@code send}, {@code recv}) and WASI proposals are not provided here, and a test
 * that needs them fails saying so.
 */
final class TestExecution {
    private final KeepRunner runner;
    private final String backend;
    private final Duration limit;

    TestExecution(KeepRunner runner, String backend, Duration limit) {
        this.runner = runner;
        this.backend = backend;
        this.limit = limit;
    }

    /** The outcome of running {@code test} as {@code spec} says. */
    TestResult execute(SuiteTest test, TestSpec spec) {
        if (!spec.proposals().isEmpty()) {
            return TestResult.failed("needs WASI proposal(s) " + String.join(", ", spec.proposals())
                    + ", which keep does not provide to wasm32-wasip1 programs", "", "");
        }
        List<Operation> ops = spec.operations();
        Observation current = null;
        int stdoutAt = 0;
        int stderrAt = 0;
        for (int i = 0; i < ops.size(); i++) {
            switch (ops.get(i)) {
                case Operation.Run run -> {
                    current = runOnce(test, run, stdinOf(ops, i));
                    stdoutAt = 0;
                    stderrAt = 0;
                    Optional<String> broken = didNotComplete(current.ending());
                    if (broken.isPresent()) {
                        return TestResult.failed(broken.get(), current);
                    }
                }
                case Operation.Write write -> {
                    // Given to the run as stdin up front (see stdinOf).
                }
                case Operation.Read read -> {
                    boolean stdout = read.stream().equals("stdout");
                    String stream = stdout ? current.stdout() : current.stderr();
                    int from = stdout ? stdoutAt : stderrAt;
                    int to = Math.min(stream.length(), offsetByCodePoints(stream, from, read.payload().codePointCount(0, read.payload().length())));
                    String got = stream.substring(from, to);
                    if (!got.equals(read.payload())) {
                        return TestResult.failed(read.stream() + ": expected " + Texts.quote(read.payload()) + ", got "
                                + Texts.quote(got), current);
                    }
                    if (stdout) {
                        stdoutAt = to;
                    } else {
                        stderrAt = to;
                    }
                }
                case Operation.Wait wait -> {
                    Optional<String> wrong = exitMismatch(wait.exitCode(), current);
                    if (wrong.isPresent()) {
                        return TestResult.failed(wrong.get(), current);
                    }
                }
                case Operation.Connect c -> {
                    return unsupported(c, current);
                }
                case Operation.Send s -> {
                    return unsupported(s, current);
                }
                case Operation.Recv r -> {
                    return unsupported(r, current);
                }
            }
        }
        return current == null ? TestResult.failed("the specification runs nothing", "", "")
                : new TestResult(Optional.empty(), current.stdout(), current.stderr());
    }

    private Observation runOnce(SuiteTest test, Operation.Run run, String stdin) {
        BoundedOutput out = new BoundedOutput();
        BoundedOutput err = new BoundedOutput();
        HostStreams streams = new HostStreams(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err, false);
        RunRequest request = RunRequest.of(test.wasm(), backend, streams).withArgs(run.args()).withEnv(run.env());
        Observation.Ending ending;
        if (run.root().isPresent()) {
            Path source = test.wasm().getParent().resolve(run.root().get());
            try (ScratchRoot scratch = ScratchRoot.copyOf(source)) {
                FileEntry.Dir root = new FileEntry.Dir(Optional.empty(), scratch.root(), "/", false);
                ending = TimedRun.run(runner, request.withDirs(List.of(root)), limit, "wasi-suite " + test.id());
            } catch (dev.keep.loader.KeepException e) {
                ending = new Observation.NotRun(e.getMessage());
            }
        } else {
            ending = TimedRun.run(runner, request, limit, "wasi-suite " + test.id());
        }
        return new Observation(ending, withDropped(out), withDropped(err));
    }

    private static String withDropped(BoundedOutput output) {
        return output.dropped() == 0 ? output.text()
                : output.text() + "\n[keep: " + output.dropped() + " more bytes not kept]";
    }

    /** Everything the writes between the run at {@code runIndex} and its wait give to stdin. */
    private static String stdinOf(List<Operation> ops, int runIndex) {
        StringBuilder stdin = new StringBuilder();
        for (int i = runIndex + 1; i < ops.size() && !(ops.get(i) instanceof Operation.Wait); i++) {
            if (ops.get(i) instanceof Operation.Write write) {
                stdin.append(write.payload());
            }
        }
        return stdin.toString();
    }

    /** Why no expectation can be checked against the run, when it did not run to an end. */
    private static Optional<String> didNotComplete(Observation.Ending ending) {
        return switch (ending) {
            case Observation.TimedOut t -> Optional.of("timed out after " + seconds(t.limit())
                    + (t.stopped() ? "" : "; the program did not stop when interrupted and was abandoned"));
            case Observation.NotRun n -> Optional.of("keep could not run it: " + n.message());
            case Observation.Exited e -> Optional.empty();
            case Observation.Trapped t -> Optional.empty();
        };
    }

    private static Optional<String> exitMismatch(int expected, Observation observed) {
        String got = switch (observed.ending()) {
            case Observation.Exited e when e.status() == expected -> null;
            case Observation.Exited e -> "got " + e.status();
            case Observation.Trapped t -> "trapped (" + t.message() + ")";
            default -> "it did not end";
        };
        if (got == null) {
            return Optional.empty();
        }
        String stderr = Texts.lastLines(observed.stderr());
        return Optional.of("expected exit " + expected + ", " + got + (stderr.isEmpty() ? "" : "; stderr: " + stderr));
    }

    private TestResult unsupported(Operation op, Observation current) {
        String why = "operation '" + op.type() + "' needs network connections to the program, which this runner does not provide";
        return current == null ? TestResult.failed(why, "", "") : TestResult.failed(why, current);
    }

    private static int offsetByCodePoints(String text, int from, int codePoints) {
        int at = from;
        for (int n = 0; n < codePoints && at < text.length(); n++) {
            at += Character.charCount(text.codePointAt(at));
        }
        return at;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
