package dev.keep.testsupport;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A C program that a test compiles with the system's gcc and runs: how the tests hold Java's struct
 * layouts, ioctl numbers and constants to what the kernel headers say, instead of to a hand-kept copy.
 * Every problem (no gcc, no header, a compile error, a crash, a hang) is an {@link AssertionError} that
 * says what to install or what went wrong: a test that needs the headers fails, it never skips.
 */
public final class CProgram {
    private static final long TIMEOUT_SECONDS = 60;

    private CProgram() {}

    /**
     * Compiles {@code source} as {@code dir/name.c} (gnu11, -Wall, plus {@code flags}) and returns the
     * executable.
     */
    public static Path compile(Path dir, String name, String source, String... flags) {
        Path program = dir.resolve(name + ".c");
        Path binary = dir.resolve(name);
        try {
            Files.writeString(program, source);
        } catch (IOException e) {
            throw new AssertionError("cannot write " + program + ": " + e.getMessage(), e);
        }
        List<String> command = new ArrayList<>(List.of(gcc(), "-std=gnu11", "-Wall"));
        command.addAll(List.of(flags));
        command.addAll(List.of("-o", binary.toString(), program.toString()));
        run(command, dir);
        if (!Files.isExecutable(binary)) {
            throw new AssertionError("gcc produced no executable from " + program);
        }
        return binary;
    }

    /** Compiles and runs {@code source}; its standard output, line by line. */
    public static List<String> run(Path dir, String name, String source) {
        return run(List.of(compile(dir, name, source).toString()), dir).lines().toList();
    }

    /**
     * Compiles and runs a probe that prints one {@code KEY VALUE} line per check (the key may contain
     * spaces, the value may not); the values by key, in printed order.
     */
    public static Map<String, String> keyValues(Path dir, String name, String source) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : run(dir, name, source)) {
            int space = line.lastIndexOf(' ');
            if (space > 0) {
                values.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        return values;
    }

    /** gcc from PATH. */
    public static String gcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "gcc");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new AssertionError("gcc not found on PATH: this test compiles a C program against the system"
                + " headers to check Java's layouts (Debian: apt-get install gcc linux-libc-dev)");
    }

    private static String run(List<String> command, Path dir) {
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command.get(0) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + process.exitValue() + ":\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command.get(0), e);
        }
    }
}
