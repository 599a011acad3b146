package dev.keep.bench.wasiio;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The baseline: the same loops built with gcc -O2, one write(2) / read(2) per call. */
final class NativeEngine {
    static final String LABEL = "native (gcc -O2, write(2)/read(2))";

    private NativeEngine() {
    }

    static EngineResult.Measured run(Workload work, int runs) {
        List<String> command = new ArrayList<>(List.of(work.nativeBinary().toString(), work.workDir().toString()));
        command.addAll(work.appArgs());
        List<AppReport> reports = new ArrayList<>();
        List<Double> walls = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            ProcessRun.Finished finished = ProcessRun.run(command, Map.of());
            reports.add(AppReport.parse(finished.stderr()));
            walls.add(finished.wallMillis());
        }
        return new EngineResult.Measured(LABEL, AppReport.best(reports), walls);
    }
}
