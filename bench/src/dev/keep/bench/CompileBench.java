package dev.keep.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.wasm.Parser;
import dev.keep.shim.compiler.ModuleCompiler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Compile speed on the large Rust programs of the WASI test suite: our ModuleCompiler (decode,
 * validate, x86-64 code) against Chicory's MachineFactoryCompiler (decode, validate, JVM bytecode
 * and class definition). Compile only: imports are not resolved by either. Single-threaded calls;
 * run.sh starts this JVM under `taskset -c 0` so JIT and GC share the one core too.
 */
final class CompileBench {
    private static final long MIN_BYTES = 1 << 20;

    private CompileBench() {
    }

    static void run(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> p.toString().endsWith(".wasm")).filter(CompileBench::large).sorted().forEach(files::add);
        }
        List<byte[]> modules = new ArrayList<>();
        long total = 0;
        for (Path p : files) {
            byte[] b = Files.readAllBytes(p);
            modules.add(b);
            total += b.length;
        }
        double mb = total / 1e6;
        long codeSection = 0;
        for (byte[] m : modules) {
            codeSection += WasmSections.codeSectionBytes(m);
        }
        double codeMb = codeSection / 1e6;
        System.out.printf("compile: %d files >= 1 MiB under %s, %.1f MB of Wasm in total, of which %.1f MB are"
                + " code sections (the rest is mostly DWARF custom sections)%n", files.size(), dir, mb, codeMb);

        // Pass 1 is cold (both compilers still interpreted / being JIT-compiled), pass 2 is warm.
        double[] ours = new double[2];
        double[] chicory = new double[2];
        double[] parseOnly = new double[2];
        double[] oursStripped = new double[2];
        List<byte[]> stripped = new ArrayList<>();
        long strippedTotal = 0;
        for (byte[] m : modules) {
            byte[] s = WasmSections.withoutCustomSections(m);
            stripped.add(s);
            strippedTotal += s.length;
        }
        long ourCode = 0;
        for (int pass = 0; pass < 2; pass++) {
            long start = System.nanoTime();
            for (byte[] m : modules) {
                ourCode += ModuleCompiler.compile(m).codeSize();
            }
            ours[pass] = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            for (byte[] m : modules) {
                MachineFactoryCompiler.builder(Parser.parse(m)).compile();
            }
            chicory[pass] = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            for (byte[] m : modules) {
                Parser.parse(m); // the front end both compilers share: shows what compile() adds
            }
            parseOnly[pass] = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            for (byte[] m : stripped) {
                ModuleCompiler.compile(m);
            }
            oursStripped[pass] = (System.nanoTime() - start) / 1e9;
        }
        System.out.printf("compile: our x86-64 output %.1f MB (%.2f bytes of code per byte of Wasm)%n",
                ourCode / 2 / 1e6, ourCode / 2.0 / total);
        System.out.println();
        System.out.println("| compiler | cold pass (s) | cold MB/s | warm pass (s) | warm MB/s | warm MB/s of code sections |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        row("ours (ModuleCompiler)", ours, mb, codeMb);
        row("Chicory MachineFactoryCompiler (parse + compile)", chicory, mb, codeMb);
        row("Chicory Parser alone (decode + validate)", parseOnly, mb, codeMb);
        double strippedMb = strippedTotal / 1e6;
        System.out.printf("%nThe same modules with their custom sections removed (%.1f MB, code sections %.1f MB):%n%n",
                strippedMb, codeMb);
        System.out.println("| compiler | cold pass (s) | cold MB/s | warm pass (s) | warm MB/s |");
        System.out.println("|---|---:|---:|---:|---:|");
        System.out.printf("| ours (ModuleCompiler), no custom sections | %.2f | %.1f | %.2f | %.1f |%n", oursStripped[0],
                strippedMb / oursStripped[0], oursStripped[1], strippedMb / oursStripped[1]);
        System.out.printf("%nratio: ours is %.1fx faster cold, %.1fx faster warm than Chicory's compiler%n",
                chicory[0] / ours[0], chicory[1] / ours[1]);
        System.out.printf("bar: compile speed >= 10 MB/s on one core: %s on the files as given (warm %.1f MB/s,"
                + " cold %.1f MB/s); %s without their debug sections (warm %.1f MB/s)%n",
                mb / ours[1] >= 10 ? "MET" : "NOT MET", mb / ours[1], mb / ours[0],
                strippedMb / oursStripped[1] >= 10 ? "met" : "NOT met", strippedMb / oursStripped[1]);
    }

    private static void row(String name, double[] seconds, double mb, double codeMb) {
        System.out.printf("| %s | %.2f | %.1f | %.2f | %.1f | %.1f |%n", name, seconds[0], mb / seconds[0], seconds[1],
                mb / seconds[1], codeMb / seconds[1]);
    }

    private static boolean large(Path p) {
        try {
            return Files.size(p) >= MIN_BYTES;
        } catch (IOException e) {
            return false;
        }
    }
}
