package dev.keep.shim.snp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** GNU objdump as an independent decoder of emitted code that cannot run here. */
final class Objdump {
    private Objdump() {
    }

    /** One decoded instruction: its offset and Intel-syntax text with whitespace collapsed. */
    record Insn(int offset, String text) {
    }

    static List<Insn> disassemble(byte[] code) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("keep-snp-objdump");
        Path bin = dir.resolve("code.bin");
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        try {
            Files.write(bin, code);
            Process p = new ProcessBuilder("objdump", "-D", "-b", "binary", "-m", "i386:x86-64", "-M", "intel",
                "--no-show-raw-insn", bin.toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("objdump failed: " + Files.readString(err));
            }
            List<Insn> insns = new ArrayList<>();
            for (String line : Files.readAllLines(out)) {
                Matcher m = LINE_NO_BYTES.matcher(line);
                if (m.matches()) {
                    insns.add(new Insn(Integer.parseInt(m.group(1), 16), m.group(2).trim().replaceAll("\\s+", " ")));
                }
            }
            return insns;
        } finally {
            for (Path f : new Path[] {bin, out, err}) {
                Files.deleteIfExists(f);
            }
            Files.delete(dir);
        }
    }

    /** With --no-show-raw-insn a line is "  offset:\ttext". */
    private static final Pattern LINE_NO_BYTES = Pattern.compile("^\\s*([0-9a-f]+):\\t(.*)$");
}
