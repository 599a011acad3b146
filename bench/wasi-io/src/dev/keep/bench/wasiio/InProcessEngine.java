package dev.keep.bench.wasiio;

import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.Backend;
import dev.keep.loader.backend.BackendKind;
import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepRunner;
import dev.keep.loader.run.RunRequest;
import dev.keep.loader.run.RunResult;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs the app in this JVM through keep-loader's Java API ({@link KeepRunner}, what {@code keep run}
 * calls), with stdout on /dev/null and the work directory preopened. The first run is not timed
 * (it lets HotSpot compile the hot paths), so these are steady-state numbers.
 */
final class InProcessEngine {
    private InProcessEngine() {
    }

    /**
     * @param selector the backends to choose from
     * @param backend the {@code --backend} name to ask for
     */
    static EngineResult run(String label, BackendSelector selector, String backend, Workload work, int runs) {
        Optional<String> unavailable = unavailableReason(selector, backend);
        if (unavailable.isPresent()) {
            return new EngineResult.Unavailable(label, unavailable.get());
        }
        KeepRunner runner = new KeepRunner(selector, line -> { });
        runOnce(runner, backend, work);
        List<AppReport> reports = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            reports.add(runOnce(runner, backend, work));
        }
        return new EngineResult.Measured(label, AppReport.best(reports), List.of());
    }

    /** The backend's own reason when it cannot run here (from its availability check), else empty. */
    static Optional<String> unavailableReason(BackendSelector selector, String backend) {
        BackendKind kind = BackendKind.byCliName(backend).orElseThrow();
        Optional<Backend> found = selector.backends().stream().filter(b -> b.kind() == kind).findFirst();
        if (found.isEmpty()) {
            return Optional.of("backend " + backend + " is not part of this build");
        }
        Availability availability = found.get().availability();
        return availability.available() ? Optional.empty() : Optional.of(availability.detail());
    }

    private static AppReport runOnce(KeepRunner runner, String backend, Workload work) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (OutputStream devNull = new FileOutputStream("/dev/null")) {
            HostStreams streams = new HostStreams(InputStream.nullInputStream(), devNull, err, false);
            RunRequest request = RunRequest.of(work.wasm(), backend, streams)
                    .withArgs(work.appArgs())
                    .withDirs(List.of(new FileEntry.Dir(Optional.empty(), work.workDir(), Workload.GUEST_DIR, false)));
            RunResult result = runner.run(request);
            String stderr = err.toString(StandardCharsets.UTF_8);
            if (!(result instanceof RunResult.Exited(int status)) || status != 0) {
                throw new IllegalStateException(backend + ": the app ended with " + result + ": " + stderr.strip());
            }
            return AppReport.parse(stderr);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open /dev/null: " + e.getMessage(), e);
        }
    }
}
