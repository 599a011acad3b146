package dev.keep.loader.jail;

import static dev.keep.loader.jail.JailAbi.*;

import dev.keep.loader.KeepCacheDir;
import dev.keep.loader.KeepException;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.nil.CompiledClasses;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.host.LaunchFds;
import dev.keep.loader.wasi.host.LaunchSocket;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Runs one app on the nil backend in a jailed child process and reports how it ended. The supervisor
 * opens what the app may use (its module, its preopened directories) and hands the runner those
 * descriptors over a Unix socket; the runner's root holds no host path it could open instead.
 *
 * <p>The thread that calls {@link #run} must live until it returns (it does: the call blocks), since
 * bubblewrap's --die-with-parent follows the thread that started it.
 */
public final class JailSupervisor {
    /** How long a runner may take to start its JVM and connect. */
    private static final long CONNECT_TIMEOUT_MILLIS = 30_000;
    /** The largest compiled-classes jar sent along with the instructions (a frame holds 64 MiB). */
    private static final int MAX_COMPILED_BYTES = 32 << 20;

    private final JailLimits limits;
    private final Consumer<String> verbose;

    private final List<Path> classPath;
    private final Path archiveDir;

    public JailSupervisor(JailLimits limits, Consumer<String> verbose) {
        this(limits, verbose, hostClassPath(), KeepCacheDir.base().resolve("jail-cds"));
    }

    /**
     * @param classPath the class path the runner gets (Keep's own jars, normally the supervisor's)
     * @param archiveDir where the runner's class-data archives are kept
     */
    JailSupervisor(JailLimits limits, Consumer<String> verbose, List<Path> classPath, Path archiveDir) {
        this.limits = limits;
        this.verbose = verbose;
        this.classPath = List.copyOf(classPath);
        this.archiveDir = archiveDir;
    }

    /**
     * Runs the app jailed. An exit or trap of the app is the result; a runner killed by seccomp, the
     * OOM killer or a signal is a {@link JailEndedException}; problems of the input or the host are
     * {@link KeepException}s, as for the unjailed backend.
     */
    public RunResult run(KeepLaunch launch) {
        RunnerEnd end = supervise(launch, EscapeAttempt.NONE, archiveForRun());
        return switch (end) {
            case RunnerEnd.AppExited exited -> new RunResult.Exited(exited.status());
            case RunnerEnd.AppTrapped trapped -> new RunResult.Trapped(trapped.message());
            case RunnerEnd.Failed failed -> throw new KeepException(failed.message());
            default -> throw new JailEndedException(end);
        };
    }

    /**
     * The class-data archive this run maps: made first by a training run when this Keep build has
     * none yet. Any trouble only costs start-up time: the run goes on without an archive.
     */
    private ArchiveUse archiveForRun() {
        Optional<RunnerClassArchive> archive = RunnerClassArchive.of(archiveDir, BwrapCommand.javaHome(), classPath);
        if (archive.isEmpty()) {
            verbose.accept("jail: no class-data archive (Keep runs from class folders, not jars)");
            return new ArchiveUse.None();
        }
        if (!archive.get().ready()) {
            train(archive.get());
        }
        return archive.get().ready() ? new ArchiveUse.Map(archive.get().file()) : new ArchiveUse.None();
    }

    /** Runs Keep's training module jailed with a writable folder for the archive, then adopts it. */
    private void train(RunnerClassArchive archive) {
        verbose.accept("jail: making the runner's class-data archive (once per Keep build and JDK)");
        Path dir = null;
        try {
            dir = archive.newTrainingDir();
            RunnerEnd end = supervise(TrainingRun.launch(dir), EscapeAttempt.NONE, new ArchiveUse.Train(dir));
            if (end instanceof RunnerEnd.AppExited exited && exited.status() == 0 && archive.adopt(dir)) {
                verbose.accept("jail: class-data archive ready: " + archive.file());
            } else {
                verbose.accept("jail: no class-data archive: the training run ended with " + end.describe());
            }
        } catch (IOException | RuntimeException e) {
            verbose.accept("jail: no class-data archive: " + e.getMessage());
        } finally {
            if (dir != null) {
                try {
                    RunnerClassArchive.deleteTree(dir);
                } catch (IOException e) {
                    verbose.accept("jail: cannot delete the training folder " + dir + ": " + e.getMessage());
                }
            }
        }
    }

    /** Runs the app, or with a test escape attempt instead, and says how the runner ended. */
    RunnerEnd supervise(KeepLaunch launch, EscapeAttempt escape) {
        return supervise(launch, escape, new ArchiveUse.None());
    }

    private RunnerEnd supervise(KeepLaunch launch, EscapeAttempt escape, ArchiveUse archive) {
        Path bwrap = JailProbe.bwrap().orElseThrow(() -> new JailException("cannot jail: bubblewrap (bwrap) is not installed"));
        List<Integer> fds = new ArrayList<>();
        Path channelDir = null;
        Optional<CgroupDelegation.RunnerCgroup> cgroup = Optional.empty();
        try {
            JailInstructions instructions = instructions(launch, escape, fds);
            // Compiled here while the runner's JVM starts (the two overlap on a multi-core host).
            CompletableFuture<Optional<CompiledClasses>> compiled = escape.kind() == EscapeAttempt.Kind.NONE
                    ? compileAhead(launch)
                    : CompletableFuture.completedFuture(Optional.empty());
            channelDir = Files.createTempDirectory("keep-jail-");
            Path socket = channelDir.resolve("channel");
            cgroup = cgroupFor();
            try (ChannelListener listener = ChannelListener.bind(socket)) {
                JailRoot root = new JailRoot(BwrapCommand.javaHome(), classPath, socket, archive);
                List<String> command = BwrapCommand.build(bwrap, root, archive, limits,
                        cgroup.map(CgroupDelegation.RunnerCgroup::groups).orElse(List.of()));
                boolean pumpStdin = launch.files().get(0) instanceof FileEntry.Stdin;
                ProcessBuilder builder = new ProcessBuilder(command);
                if (!pumpStdin) {
                    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                }
                Process process = builder.start();
                verbose.accept("jail: started runner under bwrap (pid " + process.pid() + ")");
                try {
                    return superviseProcess(process, listener, channelDir, instructions, compiled, fds, launch, pumpStdin, cgroup);
                } finally {
                    if (process.isAlive()) {
                        process.destroyForcibly();
                    }
                    waitQuietly(process);
                }
            }
        } catch (IOException e) {
            throw new JailException("cannot start the jailed runner: " + e.getMessage());
        } finally {
            fds.forEach(JailNative::close);
            deleteQuietly(channelDir);
            cgroup.ifPresent(CgroupDelegation.RunnerCgroup::remove);
        }
    }

    private RunnerEnd superviseProcess(Process process, ChannelListener listener, Path channelDir,
            JailInstructions instructions, CompletableFuture<Optional<CompiledClasses>> compiled,
            List<Integer> fds, KeepLaunch launch, boolean pumpStdin,
            Optional<CgroupDelegation.RunnerCgroup> cgroup) {
        Thread out = pump("keep-jail-stdout", process.getInputStream(), launch.streams().out(), false);
        Thread err = pump("keep-jail-stderr", process.getErrorStream(), launch.streams().err(), false);
        if (pumpStdin) {
            // A daemon: the host's stdin may never close, and the app may not read it to the end.
            pump("keep-jail-stdin", launch.streams().in(), process.getOutputStream(), true);
        }
        Optional<RunnerReport> report = Optional.empty();
        try (FdChannel channel = listener.accept(CONNECT_TIMEOUT_MILLIS, process::isAlive)) {
            // The socket was only a rendezvous: gone from the host as soon as the runner is connected.
            deleteQuietly(channelDir);
            if (channel != null) {
                channel.send(instructions.withCompiled(compiled.join()).encode(),
                        fds.stream().mapToInt(Integer::intValue).toArray());
                fds.forEach(JailNative::close);
                fds.clear();
                report = finalReport(channel);
            }
        } catch (JailException e) {
            if (process.isAlive()) {
                throw e;
            }
            // The runner died mid-conversation; its exit status says how.
        }
        int status = waitQuietly(process);
        joinQuietly(out);
        joinQuietly(err);
        RunnerEnd end = classify(report, status, cgroup);
        verbose.accept("jail: " + end.describe());
        return end;
    }

    /** The runner's reports up to its last word; its notes go to the verbose output on the way. */
    private Optional<RunnerReport> finalReport(FdChannel channel) {
        while (true) {
            Optional<RunnerReport> report = channel.receive().map(frame -> RunnerReport.decode(frame.payload()));
            if (report.isPresent() && report.get() instanceof RunnerReport.Note note) {
                verbose.accept("jail: runner: " + printable(note.line()));
                continue;
            }
            return report;
        }
    }

    /** A line from the runner as plain text: it cannot move the cursor or colour the terminal. */
    static String printable(String line) {
        StringBuilder out = new StringBuilder(line.length());
        line.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }

    /**
     * The app's JVM classes for the runner, on a thread of their own: from the user's cache, or
     * compiled now. Too large a jar for one frame is left to the runner to compile.
     */
    private CompletableFuture<Optional<CompiledClasses>> compileAhead(KeepLaunch launch) {
        CompletableFuture<Optional<CompiledClasses>> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                Optional<CompiledClasses> classes = CompiledClasses.of(launch.app().module(), verbose)
                        .filter(c -> c.jar().length <= MAX_COMPILED_BYTES);
                classes.ifPresent(c -> verbose.accept("jail: the runner gets the app's JVM classes "
                        + (c.fromCache() ? "from Keep's cache" : "compiled here") + " (" + (c.jar().length >> 10) + " KiB)"));
                result.complete(classes);
            } catch (Throwable t) {
                // Never fatal: without them the runner compiles by itself.
                verbose.accept("jail: the runner compiles the app itself: " + t);
                result.complete(Optional.empty());
            }
        }, "keep-jail-compile");
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    private RunnerEnd classify(Optional<RunnerReport> report, int status, Optional<CgroupDelegation.RunnerCgroup> cgroup) {
        if (report.isPresent()) {
            return switch (report.get()) {
                case RunnerReport.Exited e -> new RunnerEnd.AppExited(e.status());
                case RunnerReport.Trapped t -> new RunnerEnd.AppTrapped(t.message());
                case RunnerReport.Failed f -> new RunnerEnd.Failed(f.message());
                case RunnerReport.Refused r -> new RunnerEnd.EscapeRefused(r.message());
                // finalReport() reads past notes; one here would be a bug in this class.
                case RunnerReport.Note n -> throw new IllegalStateException("a note is not a runner's end");
            };
        }
        if (status > 128 && status < 128 + 65) {
            int signal = status - 128;
            if (signal == Signals.SIGSYS) {
                return new RunnerEnd.SeccompKilled();
            }
            if (signal == Signals.SIGKILL && cgroup.map(CgroupDelegation.RunnerCgroup::oomKills).orElse(0L) > 0) {
                return new RunnerEnd.OomKilled(limits.memoryBytes());
            }
            return new RunnerEnd.Signalled(signal);
        }
        return new RunnerEnd.Vanished(status);
    }

    /** The instructions for the runner; opens the descriptors it will receive into {@code fds}. */
    private static JailInstructions instructions(KeepLaunch launch, EscapeAttempt escape, List<Integer> fds) {
        List<FileEntry> files = launch.files();
        List<String> streams = new ArrayList<>();
        for (int fd = 0; fd < 3; fd++) {
            streams.add(files.get(fd).kind());
        }
        fds.add(open(launch.app().path(), O_RDONLY | O_CLOEXEC, "the app module"));
        List<JailInstructions.Grant> grants = new ArrayList<>();
        for (int fd = 3; fd < files.size(); fd++) {
            switch (files.get(fd)) {
                case FileEntry.Dir dir -> {
                    fds.add(open(dir.host(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, "preopened directory"));
                    grants.add(new JailInstructions.DirGrant(dir.name(), dir.guest(), dir.readOnly()));
                }
                case FileEntry.Listen l -> grants.add(socket(fd, l, fds));
                case FileEntry.Connect c -> grants.add(socket(fd, c, fds));
                default -> throw new KeepException("the nil backend cannot provide fd " + fd + " ("
                        + files.get(fd).kind() + "): only directories and sockets follow fds 0..2");
            }
        }
        return new JailInstructions(launch.app().path().toString(), launch.argv(), launch.env(), streams, grants,
                launch.streams().terminal(), escape, Optional.empty());
    }

    /**
     * Opens a Keep.toml socket here, on the host (the runner cannot: its seccomp filter refuses
     * socket(2)), and hands its descriptor over into {@code fds}, which are sent and then closed.
     */
    private static JailInstructions.SocketGrant socket(int fd, FileEntry entry, List<Integer> fds) {
        LaunchSocket opened = LaunchFds.openSocket(fd, entry);
        try {
            fds.add(opened.socket().release());
        } catch (FsException closed) {
            throw new IllegalStateException("a socket just opened is closed", closed);
        }
        return new JailInstructions.SocketGrant(opened.socket().isListener(), opened.description());
    }

    private static int open(Path path, int flags, String what) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = JailNative.open(arena.allocateFrom(path.toAbsolutePath().toString()), flags);
            if (fd < 0) {
                throw new KeepException("cannot open " + what + " " + path + ": " + JailNative.strerror(-fd));
            }
            return fd;
        }
    }

    private Optional<CgroupDelegation.RunnerCgroup> cgroupFor() {
        CgroupDelegation delegation = CgroupDelegation.probe();
        if (!delegation.available()) {
            verbose.accept("jail: no cgroup limits: " + delegation.reason());
            return Optional.empty();
        }
        try {
            CgroupDelegation.RunnerCgroup cgroup = delegation.create(limits);
            verbose.accept("jail: cgroup limits (" + delegation.version() + "): memory " + (limits.memoryBytes() >> 20)
                    + " MiB, " + limits.maxPids() + " pids, " + limits.cpuPercent() + "% of a CPU");
            return Optional.of(cgroup);
        } catch (IOException e) {
            verbose.accept("jail: no cgroup limits: cannot create the runner's cgroup: " + e.getMessage());
            return Optional.empty();
        }
    }

    private static List<Path> hostClassPath() {
        List<Path> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry).toAbsolutePath().normalize();
            if (!entry.isEmpty() && Files.exists(path)) {
                entries.add(path);
            }
        }
        return entries;
    }

    private static Thread pump(String name, InputStream from, OutputStream to, boolean closeTarget) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = from.read(buffer)) > 0) {
                    to.write(buffer, 0, n);
                    to.flush();
                }
            } catch (IOException e) {
                // The other side is gone (the runner ended, or the host stream closed): nothing more to copy.
            } finally {
                if (closeTarget) {
                    try {
                        to.close();
                    } catch (IOException ignored) {
                        // Already closed by the runner's end.
                    }
                }
            }
        }, name);
        thread.setDaemon(closeTarget);
        thread.start();
        return thread;
    }

    private static int waitQuietly(Process process) {
        while (true) {
            try {
                return process.waitFor();
            } catch (InterruptedException e) {
                process.destroyForcibly();
            }
        }
    }

    private static void joinQuietly(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try {
            Files.deleteIfExists(dir.resolve("channel"));
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // Checked again in the finally block; a leftover is reported by the tests.
        }
    }
}
