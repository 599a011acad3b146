package dev.keep.bench.wasiio;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints the results as markdown: one table per operation, then the whole-process times. */
final class ResultTables {
    private final PrintStream out;

    ResultTables(PrintStream out) {
        this.out = out;
    }

    /** @param nativeResult the baseline every ratio is taken against; also the first row */
    void print(EngineResult.Measured nativeResult, List<EngineResult> others) {
        for (Operation op : Operation.values()) {
            out.println("### " + op.description);
            out.println();
            if (op.isThroughput()) {
                out.println("| engine | MB/s | time / native time | read calls per 1 MiB pass |");
            } else {
                out.println("| engine | ns per write | time / native time | calls per write |");
            }
            out.println("|---|---:|---:|---:|");
            LoopTiming base = nativeResult.best().get(op);
            row(op, nativeResult.label(), base, base);
            for (EngineResult engine : others) {
                switch (engine) {
                    case EngineResult.Measured m -> row(op, m.label(), m.best().get(op), base);
                    case EngineResult.Unavailable u ->
                            out.println("| " + u.label() + " | unavailable: " + u.reason() + " | | |");
                }
            }
            out.println();
        }
        out.println("### Whole process, start to exit (all five loops, best run)");
        out.println();
        out.println("| engine | wall time (ms) | time inside the five loops (ms) |");
        out.println("|---|---:|---:|");
        wall(nativeResult);
        for (EngineResult engine : others) {
            if (engine instanceof EngineResult.Measured m && !m.wallMillis().isEmpty()) {
                wall(m);
            }
        }
        out.println();
    }

    /** Per loop: the app's WASI calls and the keep's hostcalls (doorbells), in total and per write or 1 MiB pass. */
    void printHostcalls(EngineResult.Measured userMode, Map<Operation, Long> hostcalls) {
        out.println("### Hostcalls of the keep (user-mode run; on kvm each one is a VM exit)");
        out.println();
        out.println("Counted per loop in a run of that loop alone, less a run of no loop, so a loop's own"
                + " path_open, fd_close, its two clock_time_get calls and the WRITE that carries its report line"
                + " to stderr at exit are included.");
        out.println();
        out.println("| loop | writes or 1 MiB passes | WASI calls by the app | hostcalls of the keep | hostcalls per write or pass |");
        out.println("|---|---:|---:|---:|---:|");
        for (Operation op : Operation.values()) {
            LoopTiming loop = userMode.best().get(op);
            long units = op.isThroughput() ? loop.bytes() >> 20 : loop.bytes() / op.writeSize;
            double perUnit = hostcalls.get(op) / (double) units;
            out.println(String.format(Locale.ROOT, perUnit < 1 ? "| %s | %d | %d | %d | %.4f |" : "| %s | %d | %d | %d | %.2f |",
                    op.reportName, units, loop.calls(), hostcalls.get(op), perUnit));
        }
        out.println();
    }

    private void row(Operation op, String label, LoopTiming timing, LoopTiming base) {
        double ratio = timing.cost(op) / base.cost(op);
        if (op.isThroughput()) {
            out.println(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.0f |", label,
                    timing.megabytesPerSecond(), ratio, timing.calls() / (timing.bytes() / (double) (1 << 20))));
        } else {
            out.println(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f |", label,
                    nanos(timing.nanosPerWrite(op)), ratio, timing.callsPerWrite(op)));
        }
    }

    private void wall(EngineResult.Measured m) {
        double best = m.wallMillis().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double loops = m.best().loops().values().stream().mapToLong(LoopTiming::nanos).sum() / 1e6;
        out.println(String.format(Locale.ROOT, "| %s | %.0f | %.0f |", m.label(), best, loops));
    }

    private static String nanos(double value) {
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.1f", value);
    }
}
