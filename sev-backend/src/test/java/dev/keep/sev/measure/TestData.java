package dev.keep.sev.measure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/** Reads the shared SNP test data by its path relative to the reactor root. */
public final class TestData {
    private TestData() {
    }

    public static Path snp(String relative) {
        String root = System.getProperty("keep.projectRoot");
        if (root == null) {
            throw new IllegalStateException("system property keep.projectRoot is not set (run the tests through Maven)");
        }
        return Path.of(root).resolve("../shared/testdata/snp").resolve(relative).normalize();
    }

    public static byte[] read(String relative) {
        try {
            return Files.readAllBytes(snp(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
