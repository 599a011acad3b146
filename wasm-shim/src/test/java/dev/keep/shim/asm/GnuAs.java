package dev.keep.shim.asm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs binutils: GNU as on a source file, then objcopy for the .text bytes and nm for the symbols. */
final class GnuAs {
    private GnuAs() {
    }

    /** The assembled .text section and the offsets of its symbols. */
    record Output(byte[] text, Map<String, Integer> symbols) {
    }

    static Output assemble(String source, Path workDir) throws IOException, InterruptedException {
        Path src = workDir.resolve("batch.s");
        Path obj = workDir.resolve("batch.o");
        Path bin = workDir.resolve("batch.bin");
        Files.writeString(src, source, StandardCharsets.UTF_8);
        run(workDir, List.of("as", "--64", "-o", obj.toString(), src.toString()), true);
        run(workDir, List.of("objcopy", "-O", "binary", "-j", ".text", obj.toString(), bin.toString()), true);
        String table = run(workDir, List.of("nm", "--defined-only", obj.toString()), false);
        Map<String, Integer> symbols = new HashMap<>();
        for (String line : table.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 3) {
                symbols.put(parts[2], Integer.parseUnsignedInt(parts[0], 16));
            }
        }
        return new Output(Files.readAllBytes(bin), symbols);
    }

    /**
     * Runs a tool; any diagnostic counts as failure for as (a warning would mean it changed what we
     * asked for, e.g. truncated an immediate).
     */
    private static String run(Path dir, List<String> command, boolean stderrIsFailure)
        throws IOException, InterruptedException {
        Path err = dir.resolve("stderr.txt");
        Path out = dir.resolve("stdout.txt");
        Process p = new ProcessBuilder(command).directory(dir.toFile())
            .redirectError(err.toFile()).redirectOutput(out.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command.getFirst() + " did not finish in 120 s");
        }
        String stderr = Files.readString(err);
        if (p.exitValue() != 0 || (stderrIsFailure && !stderr.isBlank())) {
            throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "):\n" + stderr);
        }
        return Files.readString(out);
    }
}
