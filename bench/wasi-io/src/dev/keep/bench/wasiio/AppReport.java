package dev.keep.bench.wasiio;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The app's timings of one run, read from the report lines it prints on stderr. */
record AppReport(Map<Operation, LoopTiming> loops) {
    private static final String PREFIX = "wasi-io ";

    /** Parses a run's stderr; every operation must be there, or the run failed. */
    static AppReport parse(String stderr) {
        Map<Operation, LoopTiming> loops = new EnumMap<>(Operation.class);
        for (String line : stderr.lines().toList()) {
            if (!line.startsWith(PREFIX)) {
                continue;
            }
            String[] words = line.substring(PREFIX.length()).split(" ");
            for (Operation op : Operation.values()) {
                if (op.reportName.equals(words[0]) && words.length == 4) {
                    loops.put(op, new LoopTiming(field(words[1], "calls"), field(words[2], "bytes"),
                            field(words[3], "ns")));
                }
            }
        }
        if (loops.size() != Operation.values().length) {
            throw new IllegalStateException("the app did not report every loop; its stderr was: " + stderr.strip());
        }
        return new AppReport(loops);
    }

    private static long field(String word, String name) {
        if (!word.startsWith(name + "=")) {
            throw new IllegalStateException("expected " + name + "=N in the app's report, got " + word);
        }
        return Long.parseLong(word.substring(name.length() + 1));
    }

    /** Per loop, the fastest of the runs (the least disturbed by the rest of the machine). */
    static AppReport best(List<AppReport> runs) {
        Map<Operation, LoopTiming> best = new EnumMap<>(Operation.class);
        for (AppReport run : runs) {
            run.loops.forEach((op, timing) -> best.merge(op, timing,
                    (a, b) -> a.nanos() <= b.nanos() ? a : b));
        }
        return new AppReport(best);
    }

    LoopTiming get(Operation op) {
        return loops.get(op);
    }
}
