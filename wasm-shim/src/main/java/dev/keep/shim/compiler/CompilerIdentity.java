package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.Parser;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Names the code generator that is running: the SHA-256 of its own classes (wasm-shim's jar, or
 * every file of its class folder) and of Chicory's parser, which decodes what it compiles. A cache
 * of compiled code keys its entries by this, so a rebuilt or upgraded Keep never runs code that
 * another compiler made: no version number to forget to bump.
 */
public final class CompilerIdentity {
    private static volatile Optional<String> cached;

    private CompilerIdentity() {
    }

    /** The identity in hex; empty when a class's origin cannot be read (then nothing is cached). */
    public static Optional<String> current() {
        Optional<String> identity = cached;
        if (identity == null) {
            identity = compute(List.of(ModuleCompiler.class, Parser.class));
            cached = identity;
        }
        return identity;
    }

    static Optional<String> compute(List<Class<?>> classes) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Class<?> c : classes) {
                CodeSource source = c.getProtectionDomain().getCodeSource();
                if (source == null || source.getLocation() == null) {
                    return Optional.empty();
                }
                Path path = Path.of(source.getLocation().toURI());
                digest.update(c.getName().getBytes(StandardCharsets.UTF_8));
                if (Files.isDirectory(path)) {
                    hashTree(digest, path);
                } else {
                    hashFile(digest, path);
                }
            }
            return Optional.of(HexFormat.of().formatHex(digest.digest()));
        } catch (IOException | URISyntaxException | IllegalArgumentException | SecurityException e) {
            return Optional.empty();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** Every regular file under {@code root}, in path order, by relative path and contents. */
    private static void hashTree(MessageDigest digest, Path root) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            digest.update(root.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
            hashFile(digest, file);
        }
    }

    private static void hashFile(MessageDigest digest, Path file) throws IOException {
        byte[] buffer = new byte[65536];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        digest.update((byte) 0);
    }
}
