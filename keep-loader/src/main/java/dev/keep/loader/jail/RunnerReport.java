package dev.keep.loader.jail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What the jailed runner tells its supervisor: any number of {@link Note}s, then its last word, how
 * the app ended. A runner that dies without sending one was killed (the supervisor then reads the
 * signal from the exit status), which keeps an app's own {@code proc_exit(159)} apart from a seccomp
 * kill.
 */
sealed interface RunnerReport {
    /** The app exited with {@code status}. */
    record Exited(int status) implements RunnerReport {}

    /** The app trapped. */
    record Trapped(String message) implements RunnerReport {}

    /** Keep could not run the app (bad module, missing import, ...): the one-line message. */
    record Failed(String message) implements RunnerReport {}

    /** A test escape attempt was refused by the kernel and the runner lived: what it tried, and the error. */
    record Refused(String message) implements RunnerReport {}

    /** Not an end: a line of the runner's own verbose output, for the supervisor's (keep run -v). */
    record Note(String line) implements RunnerReport {}

    default byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            switch (this) {
                case Exited e -> { out.writeByte(0); out.writeInt(e.status()); }
                case Trapped t -> { out.writeByte(1); out.writeUTF(clip(t.message())); }
                case Failed f -> { out.writeByte(2); out.writeUTF(clip(f.message())); }
                case Refused r -> { out.writeByte(3); out.writeUTF(clip(r.message())); }
                case Note n -> { out.writeByte(4); out.writeUTF(clip(n.line())); }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static RunnerReport decode(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            return switch (in.readByte()) {
                case 0 -> new Exited(in.readInt());
                case 1 -> new Trapped(in.readUTF());
                case 2 -> new Failed(in.readUTF());
                case 3 -> new Refused(in.readUTF());
                case 4 -> new Note(in.readUTF());
                default -> throw new JailException("the jailed runner sent an unknown report");
            };
        } catch (IOException e) {
            throw new JailException("the jailed runner sent a malformed report");
        }
    }

    private static String clip(String message) {
        String m = message == null ? "" : message;
        return m.length() > 4000 ? m.substring(0, 4000) : m;
    }
}
