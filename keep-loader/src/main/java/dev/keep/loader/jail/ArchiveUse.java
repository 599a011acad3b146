package dev.keep.loader.jail;

import java.nio.file.Path;
import java.util.List;

/**
 * What a jailed runner's JVM does with a class-data (CDS) archive of Keep's own classes: nothing,
 * map a finished archive read-only (the fast start), or write one at exit into a folder of its own (the
 * training run of {@link RunnerClassArchive}, which runs only Keep's built-in module, never an app).
 */
sealed interface ArchiveUse {
    /** Where the archive appears inside the jail. */
    String ARCHIVE_IN_JAIL = "/keep/runner.jsa";
    /** Where the training run's writable folder appears inside the jail. */
    String TRAINING_DIR_IN_JAIL = "/keep/cds";
    String TRAINING_FILE = "runner.jsa";
    /**
     * The JDK's own base archive was dumped without --enable-native-access, so every start with an
     * archive logs an error that only means "the archived module graph is not used" (the classes are);
     * the runner's stderr is the app's, so those lines are turned off there.
     */
    String QUIET_CDS = "-Xlog:cds=off:stderr";
    String QUIET_AOT = "-Xlog:aot=off:stderr";

    /** bubblewrap arguments that put the archive (or the training folder) into the jail. */
    List<String> mounts();

    /** The runner JVM's options for it. */
    List<String> jvmOptions();

    record None() implements ArchiveUse {
        @Override
        public List<String> mounts() {
            return List.of();
        }

        @Override
        public List<String> jvmOptions() {
            return List.of();
        }
    }

    /** Maps {@code archive}; a stale or foreign archive is ignored by the JVM (-Xshare:auto), never fatal. */
    record Map(Path archive) implements ArchiveUse {
        @Override
        public List<String> mounts() {
            return List.of("--ro-bind", archive.toString(), ARCHIVE_IN_JAIL);
        }

        @Override
        public List<String> jvmOptions() {
            return List.of("-XX:SharedArchiveFile=" + ARCHIVE_IN_JAIL, QUIET_CDS, QUIET_AOT);
        }
    }

    /** Writes the classes the run loaded into {@code dir}/runner.jsa when the JVM exits. */
    record Train(Path dir) implements ArchiveUse {
        @Override
        public List<String> mounts() {
            return List.of("--bind", dir.toString(), TRAINING_DIR_IN_JAIL);
        }

        @Override
        public List<String> jvmOptions() {
            return List.of("-XX:ArchiveClassesAtExit=" + TRAINING_DIR_IN_JAIL + "/" + TRAINING_FILE,
                    QUIET_CDS, QUIET_AOT);
        }
    }
}
