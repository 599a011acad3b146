package dev.keep.loader.jail;

import dev.keep.loader.nil.CompiledClasses;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the supervisor tells its jailed runner, in the frame that carries the descriptors: descriptor
 * 0 of that frame is the app module, descriptor {@code 1 + i} is grant {@code i} (a preopened
 * directory or a socket the supervisor opened). Host paths appear only as text for messages
 * ({@code appName}), never as something to open.
 *
 * @param appName the app as the user named it, for argv[0]-independent messages
 * @param argv the app's argument vector
 * @param env the app's environment, in order
 * @param streams what fd 0, 1 and 2 of the app are: "stdin", "stdout", "stderr" or "null"
 * @param grants the preopened directories and sockets, in fd order from fd 3
 * @param terminal whether the host streams are a terminal
 * @param escape a test-only escape attempt for the runner to make instead of running the app
 * @param compiled the app's JVM classes, compiled by the supervisor; empty when it could not
 */
record JailInstructions(String appName, List<String> argv, Map<String, String> env, List<String> streams,
        List<Grant> grants, boolean terminal, EscapeAttempt escape, Optional<CompiledClasses> compiled) {

    /** Something the runner receives as a descriptor for fd 3 onwards. */
    sealed interface Grant permits DirGrant, SocketGrant {
    }

    /** A preopened directory the runner receives as a descriptor. */
    record DirGrant(Optional<String> name, String guest, boolean readOnly) implements Grant {}

    /**
     * A socket the supervisor opened from a Keep.toml listen or connect entry.
     *
     * @param listener whether it is a listener (else a connected stream)
     * @param description what it is, for messages (for example "listen 127.0.0.1:8080")
     */
    record SocketGrant(boolean listener, String description) implements Grant {}

    private static final byte DIR = 0;
    private static final byte SOCKET = 1;

    JailInstructions {
        argv = List.copyOf(argv);
        env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
        streams = List.copyOf(streams);
        grants = List.copyOf(grants);
    }

    /** These instructions with the app's compiled classes attached. */
    JailInstructions withCompiled(Optional<CompiledClasses> classes) {
        return new JailInstructions(appName, argv, env, streams, grants, terminal, escape, classes);
    }

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(appName);
            writeStrings(out, argv);
            out.writeInt(env.size());
            for (Map.Entry<String, String> e : env.entrySet()) {
                writeLong(out, e.getKey());
                writeLong(out, e.getValue());
            }
            writeStrings(out, streams);
            out.writeInt(grants.size());
            for (Grant grant : grants) {
                switch (grant) {
                    case DirGrant dir -> {
                        out.writeByte(DIR);
                        out.writeBoolean(dir.name().isPresent());
                        if (dir.name().isPresent()) {
                            writeLong(out, dir.name().get());
                        }
                        writeLong(out, dir.guest());
                        out.writeBoolean(dir.readOnly());
                    }
                    case SocketGrant socket -> {
                        out.writeByte(SOCKET);
                        out.writeBoolean(socket.listener());
                        writeLong(out, socket.description());
                    }
                }
            }
            out.writeBoolean(terminal);
            out.writeUTF(escape.kind().name());
            writeLong(out, escape.target());
            out.writeBoolean(compiled.isPresent());
            if (compiled.isPresent()) {
                writeLong(out, compiled.get().moduleDigest());
                out.writeInt(compiled.get().jar().length);
                out.write(compiled.get().jar());
                out.writeBoolean(compiled.get().fromCache());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static JailInstructions decode(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            String appName = in.readUTF();
            List<String> argv = readStrings(in);
            int envCount = count(in);
            Map<String, String> env = new LinkedHashMap<>();
            for (int i = 0; i < envCount; i++) {
                env.put(readLong(in), readLong(in));
            }
            List<String> streams = readStrings(in);
            int grantCount = count(in);
            List<Grant> grants = new ArrayList<>();
            for (int i = 0; i < grantCount; i++) {
                byte kind = in.readByte();
                if (kind == DIR) {
                    Optional<String> name = in.readBoolean() ? Optional.of(readLong(in)) : Optional.empty();
                    grants.add(new DirGrant(name, readLong(in), in.readBoolean()));
                } else if (kind == SOCKET) {
                    grants.add(new SocketGrant(in.readBoolean(), readLong(in)));
                } else {
                    throw new IOException("unknown grant kind " + kind);
                }
            }
            boolean terminal = in.readBoolean();
            EscapeAttempt escape = new EscapeAttempt(EscapeAttempt.Kind.valueOf(in.readUTF()), readLong(in));
            Optional<CompiledClasses> compiled = Optional.empty();
            if (in.readBoolean()) {
                String digest = readLong(in);
                byte[] jar = new byte[count(in)];
                in.readFully(jar);
                compiled = Optional.of(new CompiledClasses(digest, jar, in.readBoolean()));
            }
            if (in.read() != -1) {
                throw new IOException("trailing bytes");
            }
            return new JailInstructions(appName, argv, env, streams, grants, terminal, escape, compiled);
        } catch (IOException | IllegalArgumentException e) {
            throw new JailException("malformed instructions from the supervisor: " + e.getMessage());
        }
    }

    private static void writeStrings(DataOutputStream out, List<String> strings) throws IOException {
        out.writeInt(strings.size());
        for (String s : strings) {
            writeLong(out, s);
        }
    }

    private static List<String> readStrings(DataInputStream in) throws IOException {
        int n = count(in);
        List<String> strings = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            strings.add(readLong(in));
        }
        return strings;
    }

    /** Strings without writeUTF's 64 KiB limit: argv and env values may be long. */
    private static void writeLong(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readLong(DataInputStream in) throws IOException {
        byte[] utf8 = new byte[count(in)];
        in.readFully(utf8);
        return new String(utf8, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > FdChannel.MAX_FRAME_BYTES) {
            throw new IOException("bad count " + n);
        }
        return n;
    }
}
