package dev.keep.bench.wasiio;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code keep run --backend nil} in a fresh JVM per run, as an operator starts it: the same JVM
 * flags as the ./keep launcher, with a class-data archive of its own, and the module cache warm
 * (a first, untimed run fills both). It runs keep-loader's main class directly on the installed
 * jars rather than through ./keep, because ./keep rebuilds the project whenever a source file is
 * newer than its last build.
 */
final class KeepProcessEngine {
    static final String LABEL = "nil, fresh `keep run` process";

    private KeepProcessEngine() {
    }

    static EngineResult.Measured run(Workload work, Path java, String classpath, Path archive, int runs) {
        List<String> command = new ArrayList<>(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-Xss16m", "-XX:+UseSerialGC", "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
                "-XX:SharedArchiveFile=" + archive, "-XX:+AutoCreateSharedArchive",
                "-cp", classpath, "dev.keep.loader.Main", "run", "--backend", "nil",
                "--dir", work.workDir() + "::" + Workload.GUEST_DIR, work.wasm().toString()));
        command.addAll(work.appArgs());
        ProcessRun.run(command, Map.of());
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
