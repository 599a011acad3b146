package dev.keep.loader.jail;

import dev.keep.loader.KeepException;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.nil.NilBackend;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.AppModuleLoader;
import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.host.LaunchFd;
import dev.keep.loader.wasi.host.LaunchFds;
import dev.keep.loader.wasi.host.LaunchSocket;
import dev.keep.loader.wasi.host.Preopen;
import dev.keep.loader.wasi.net.HostSocket;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The runner inside the jail: connects to the supervisor's channel, receives its instructions and
 * descriptors, locks itself down with seccomp, runs the app on the nil backend and reports how it
 * ended. It is started by {@link JailSupervisor} only; its one argument is the channel's path in the
 * jail root.
 */
public final class JailedRunnerMain {
    private JailedRunnerMain() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("keep: the jailed runner is started by keep run --jail, not by hand");
            System.exit(1);
        }
        RunnerWarmUp warmUp = RunnerWarmUp.start();
        RunnerReport report;
        try (FdChannel channel = FdChannel.connect(Path.of(args[0]))) {
            FdChannel.Frame frame = channel.receive()
                    .orElseThrow(() -> new JailException("the supervisor closed the channel before sending instructions"));
            JailInstructions instructions = JailInstructions.decode(frame.payload());
            if (frame.fds().length != 1 + instructions.grants().size()) {
                throw new JailException("expected " + (1 + instructions.grants().size()) + " descriptors, got " + frame.fds().length);
            }
            warmUp.finish();
            SeccompInstaller.disableCoreDumps();
            SeccompInstaller.install(SeccompProgram.compile(RunnerSyscalls.rules()));
            report = instructions.escape().kind() == EscapeAttempt.Kind.NONE
                    ? run(instructions, frame.fds(), channel)
                    : EscapeAttempts.attempt(instructions.escape(), channel.fd());
            channel.send(report.encode());
        } catch (KeepException e) {
            System.err.println("keep: jailed runner: " + e.getMessage());
            System.exit(1);
        } catch (RuntimeException e) {
            // The supervisor reports the runner's end; this line says what went wrong inside.
            System.err.println("keep: jailed runner: internal error: " + e);
            System.exit(1);
        }
        System.exit(0);
    }

    private static RunnerReport run(JailInstructions instructions, int[] fds, FdChannel channel) {
        try {
            AppModule loaded = AppModuleLoader.load(descriptorPath(fds[0]));
            AppModule app = new AppModule(Path.of(instructions.appName()), loaded.bytes(), loaded.module(),
                    loaded.parse());
            HostStreams streams = new HostStreams(new FileInputStream(FileDescriptor.in),
                    new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err), instructions.terminal());
            KeepLaunch launch = new KeepLaunch(app, instructions.argv(), instructions.env(), streams(instructions), streams);
            NilBackend backend = NilBackend.forJailedRunner(
                    line -> channel.send(new RunnerReport.Note(line).encode()), instructions.compiled());
            RunResult result = backend.run(launch, launchFds(instructions, fds));
            return switch (result) {
                case RunResult.Exited exited -> new RunnerReport.Exited(exited.status());
                case RunResult.Trapped trapped -> new RunnerReport.Trapped(trapped.message());
            };
        } catch (KeepException e) {
            return new RunnerReport.Failed(e.getMessage());
        }
    }

    /** The app's fds 0..2. */
    private static List<FileEntry> streams(JailInstructions instructions) {
        List<FileEntry> files = new ArrayList<>();
        for (String stream : instructions.streams()) {
            files.add(switch (stream) {
                case "stdin" -> new FileEntry.Stdin(Optional.empty());
                case "stdout" -> new FileEntry.Stdout(Optional.empty());
                case "stderr" -> new FileEntry.Stderr(Optional.empty());
                case "null" -> new FileEntry.Null(Optional.empty());
                default -> throw new JailException("unknown stream kind '" + stream + "'");
            });
        }
        return files;
    }

    /**
     * fds 3 onwards from the descriptors received: each directory as the path of its descriptor
     * (/proc/self/fd/N is a link to the open directory itself, whatever its host path: lookups
     * beneath it start from that descriptor, so the runner reaches that directory and nothing
     * else), each socket adopted as it is (the runner could not open one: socket(2) is refused).
     */
    private static List<LaunchFd> launchFds(JailInstructions instructions, int[] fds) {
        List<LaunchFd> opened = new ArrayList<>();
        for (int i = 0; i < instructions.grants().size(); i++) {
            int fd = fds[1 + i];
            switch (instructions.grants().get(i)) {
                case JailInstructions.DirGrant dir ->
                        opened.add(new Preopen(dir.guest(), descriptorPath(fd), dir.readOnly()));
                case JailInstructions.SocketGrant socket -> {
                    try {
                        opened.add(new LaunchSocket(HostSocket.adopt(fd, socket.listener()
                                ? HostSocket.Kind.LISTENER : HostSocket.Kind.STREAM), socket.description()));
                    } catch (FsException e) {
                        LaunchFds.closeSockets(opened);
                        throw new JailException("cannot adopt the socket for " + socket.description()
                                + ": " + e.getMessage());
                    }
                }
            }
        }
        return opened;
    }

    private static Path descriptorPath(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }
}
