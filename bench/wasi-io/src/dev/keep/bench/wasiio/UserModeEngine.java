package dev.keep.bench.wasiio;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The keep's own code (compiled app, runtime, WASI routines, stdout/stderr buffer) run in user mode
 * on this host, not in a VM. Times the loops as the other engines do, then counts each loop's
 * hostcalls in runs of that loop alone, less a run of no loop (start-up and exit).
 */
final class UserModeEngine {
    static final String LABEL = "keep runtime, user mode (not a VM)";
    private static final String RUNNER = "dev.keep.bench.wasiio.UserModeKeepRunner";

    /**
     * @param hostcalls per loop, the keep's hostcalls for the loop's whole count (as in {@code engine}'s
     *     timings), its own open, close and clock calls included
     */
    record Result(EngineResult engine, Map<Operation, Long> hostcalls) {}

    private UserModeEngine() {
    }

    static Result run(Workload work, int runs) throws Exception {
        Optional<KeepImageRunner> runner = load();
        if (runner.isEmpty()) {
            return new Result(new EngineResult.Unavailable(LABEL, "not built: run.sh could not compile it against"
                    + " keep-loader's test harness (UserModeKeep); see bench/build/wasi-io/usermode-javac.log"),
                    Map.of());
        }
        runner.get().run(work, work.appArgs());
        List<AppReport> reports = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            reports.add(AppReport.parse(runner.get().run(work, work.appArgs()).stderr()));
        }
        AppReport best = AppReport.best(reports);
        long baseline = runner.get().run(work, work.appArgs("none")).hostcalls();
        Map<Operation, Long> hostcalls = new EnumMap<>(Operation.class);
        for (Operation op : Operation.values()) {
            hostcalls.put(op, runner.get().run(work, work.appArgs(op.reportName)).hostcalls() - baseline);
        }
        return new Result(new EngineResult.Measured(LABEL, best, List.of()), hostcalls);
    }

    private static Optional<KeepImageRunner> load() throws ReflectiveOperationException {
        try {
            return Optional.of((KeepImageRunner) Class.forName(RUNNER).getDeclaredConstructor().newInstance());
        } catch (ClassNotFoundException e) {
            return Optional.empty();
        }
    }
}
