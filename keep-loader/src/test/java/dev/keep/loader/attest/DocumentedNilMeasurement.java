package dev.keep.loader.attest;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;

/**
 * The nil measurement computed from its documented byte layout (see NilMeasurement's Javadoc) with a ByteBuffer,
 * independently of the production encoder, so that tests pin the format rather than echo the implementation.
 */
final class DocumentedNilMeasurement {
    private DocumentedNilMeasurement() {}

    static byte[] of(byte[] module, List<String> argv, Map<String, String> env) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        b.put("keep-nil-measurement-v1".getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
        b.putLong(module.length).put(module);
        b.putInt(argv.size());
        argv.forEach(a -> put(b, a));
        b.putInt(env.size());
        env.forEach((k, v) -> {
            put(b, k);
            put(b, v);
        });
        MessageDigest sha384 = MessageDigest.getInstance("SHA-384");
        sha384.update(b.array(), 0, b.position());
        return sha384.digest();
    }

    private static void put(ByteBuffer b, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        b.putInt(utf8.length).put(utf8);
    }
}
