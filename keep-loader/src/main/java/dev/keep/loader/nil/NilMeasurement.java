package dev.keep.loader.nil;

import dev.keep.loader.run.KeepLaunch;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;

/**
 * The measurement the nil backend reports in its software evidence: SHA-384 over what decides the app's behaviour
 * at start, the same inputs the SEV-SNP launch digest covers (the module, argv and environment baked into the
 * image) but without the image itself, since nil runs the module on Chicory and builds no image. It is
 * deterministic: the same app.wasm, argv and environment give the same 48 bytes on every host.
 *
 * <p>Hashed bytes, big-endian lengths, strings UTF-8:
 * <pre>
 *   "keep-nil-measurement-v1" 0x00
 *   u64 module length, module bytes
 *   u32 argc, then per argument (argv[0], the file name, included): u32 length, bytes
 *   u32 count of environment variables, then per variable in the order the app sees them:
 *       u32 length, name, u32 length, value
 * </pre>
 * Preopened directories, sockets and streams are not measured (the host provides them at run time, as for SNP).
 * The digest differs from {@code keep measure}'s SNP launch digest by construction, so an allow-list entry for
 * nil can never be mistaken for one for hardware.
 */
public final class NilMeasurement {
    static final String DOMAIN = "keep-nil-measurement-v1";

    private NilMeasurement() {}

    public static byte[] of(KeepLaunch launch) {
        return of(launch.app().bytes(), launch.argv(), launch.env());
    }

    public static byte[] of(byte[] module, List<String> argv, Map<String, String> env) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(DOMAIN.getBytes(StandardCharsets.US_ASCII));
            out.write(0);
            out.writeLong(module.length);
            out.write(module);
            out.writeInt(argv.size());
            for (String arg : argv) {
                string(out, arg);
            }
            out.writeInt(env.size());
            for (Map.Entry<String, String> e : env.entrySet()) {
                string(out, e.getKey());
                string(out, e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        try {
            return MessageDigest.getInstance("SHA-384").digest(bytes.toByteArray());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-384 missing from the JDK", e);
        }
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }
}
