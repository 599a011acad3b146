package dev.keep.loader.link;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.loader.cli.KeepCli;
import dev.keep.loader.config.KeepTomls;
import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.loader.hostcall.HostcallOutcome;
import dev.keep.loader.hostcall.UserModeKeep;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.host.KeepLimits;
import dev.keep.loader.wasi.host.LaunchFd;
import dev.keep.loader.wasi.host.Preopen;
import dev.keep.loader.wasi.host.WasiCallHandler;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.LaunchConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs apps two ways for comparison: linked into a keep image whose ring-3 code runs natively
 * ({@link UserModeKeep}, the real {@link HostcallDispatcher} answering), and on the nil backend
 * through the real {@code keep} command line in this JVM.
 */
final class LinkedApps {
    /** A u32 / u64 field of the mailbox, for tests that play a lying host. */
    static final ValueLayout.OfInt MAILBOX_U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong MAILBOX_U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The signal a keep's ud2 raises natively: how it refuses a reply it cannot believe. */
    static final int SIGILL = 4;

    /** How one run ended: exit status (or -1 with a fault line), stdout, stderr. */
    record Run(int exit, String out, String err, String fault) {
    }

    private LinkedApps() {
    }

    static Path projectRoot() {
        return Path.of(System.getProperty("keep.projectRoot"));
    }

    /** A sample's .wat assembled with Chicory's wabt. */
    static byte[] sample(String name) throws IOException {
        return Wat2Wasm.parse(projectRoot().resolve("samples").resolve(name).resolve(name + ".wat").toFile());
    }

    /** A keep-loader test app (src/test/resources/apps) assembled with Chicory's wabt. */
    static byte[] testApp(String name) throws IOException {
        try (InputStream wat = LinkedApps.class.getResourceAsStream("/apps/" + name + ".wat")) {
            if (wat == null) {
                throw new IllegalArgumentException("no test app " + name);
            }
            return Wat2Wasm.parse(new String(wat.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static byte[] wat(String text) {
        return Wat2Wasm.parse(text);
    }

    /** Links the module with the config and runs the image's ring-3 code natively. */
    static Run keep(byte[] wasm, LaunchConfig config) throws IOException, InterruptedException {
        return keep(wasm, config, new byte[0], List.of(), KeepLimits.DEFAULT, mailbox -> { });
    }

    /**
     * Runs natively with standard input, preopened directories and sockets (fds 3, 4, ...) and limits, the
     * mailbox passed through {@code tamper} after each answer (a lying host).
     */
    static Run keep(byte[] wasm, LaunchConfig config, byte[] stdin, List<? extends LaunchFd> preopens,
            KeepLimits limits, Consumer<MemorySegment> tamper) throws IOException, InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        WasiCallHandler files;
        try {
            files = new WasiCallHandler(new ByteArrayInputStream(stdin), out, err, preopens, limits);
        } catch (FsException e) {
            throw new IOException(e.getMessage(), e);
        }
        try (HostcallDispatcher host = new HostcallDispatcher(out, err, files)) {
            UserModeKeep.Result result = UserModeKeep.run(KeepLinker.link(wasm, config), host, tamper);
            int exit = result.outcome() instanceof HostcallOutcome.Exited exited ? exited.status() : -1;
            String fault = result.fault() != null ? result.fault() : exit < 0 ? result.outcome().toString() : null;
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), fault);
        }
    }

    /**
     * `keep run --backend nil --config Keep.toml APP.wasm ARGS...` in this JVM, with standard
     * input and the preopened directories (read-only ones too) written into a Keep.toml.
     */
    static Run nil(Path dir, byte[] wasm, LaunchConfig config, byte[] stdin, List<Preopen> preopens)
            throws IOException {
        Path app = Files.write(dir.resolve(config.appName()), wasm);
        StringBuilder toml = new StringBuilder(KeepTomls.STANDARD_STREAMS);
        for (Preopen p : preopens) {
            toml.append("[[files]]\nkind = \"dir\"\nhost = \"").append(p.hostPath())
                    .append("\"\nguest = \"").append(p.guestName()).append("\"\nreadonly = ")
                    .append(p.readOnly()).append('\n');
        }
        Path keepToml = Files.writeString(dir.resolve("Keep.toml"), toml);
        List<String> line = new ArrayList<>(List.of("run", "--backend", "nil", "--config",
                keepToml.toString()));
        for (Map.Entry<String, String> e : config.env().entrySet()) {
            line.add("--env");
            line.add(e.getKey() + "=" + e.getValue());
        }
        line.add(app.toString());
        line.addAll(config.args());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = KeepCli.create(new HostStreams(new ByteArrayInputStream(stdin), out, err, false))
                .execute(line.toArray(String[]::new));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), null);
    }

    /** `keep run --backend nil [--env K=V]... APP.wasm ARGS...` in this JVM, with empty stdin and no preopened directory. */
    static Run nil(Path dir, byte[] wasm, LaunchConfig config) throws IOException {
        return nil(dir, wasm, config, new byte[0], List.of());
    }
}
