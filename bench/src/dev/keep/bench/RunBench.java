package dev.keep.bench;

import dev.keep.shim.compiler.CompilerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Run speed of the C programs on every engine, measured side by side in one run:
 * <ul>
 *   <li>native (gcc -O2, best of 3) and node (best of 3): whole-process wall time; node also
 *       reports the time of the run() call measured inside node</li>
 *   <li>ours and Chicory's compiler: whole-process wall time of a fresh JVM that compiles, instantiates
 *       and runs once (`BenchMain once`), and in-process steady state (after a warm-up call), each
 *       best of 2: under load from other users of the machine the minimum is the stable figure</li>
 *   <li>Chicory's interpreter: in-process at reduced units, scaled linearly to the full units
 *       (every program's work is linear in units) because a full run would take minutes</li>
 * </ul>
 * Every engine must return the same checksum as the native build, or the run fails.
 */
final class RunBench {
    /** name, units for the full run (~0.5 s native), units for the interpreter. */
    private record Program(String name, int units, int interpUnits) {
    }

    private static final List<Program> PROGRAMS = List.of(
            new Program("fib", 1200, 40),
            new Program("sort", 4, 1),
            new Program("hash", 4, 1),
            new Program("nbody", 60, 2),
            new Program("malloc", 24, 1));

    private final Path build;
    private final Path nodeRunner;
    private final boolean quick;

    RunBench(Path build, Path nodeRunner, boolean quick) {
        this.build = build;
        this.nodeRunner = nodeRunner;
        this.quick = quick;
    }

    static Engine engine(String name) {
        return switch (name) {
            case "ours" -> new OurEngine(CompilerOptions.defaults());
            case "ours-guard" -> new OurEngine(CompilerOptions.guardRegions());
            case "chicory-compiler" -> new ChicoryEngine(true);
            case "chicory-interp" -> new ChicoryEngine(false);
            default -> throw new IllegalArgumentException("unknown engine " + name);
        };
    }

    /** Seconds per engine for one program; NaN where not measured. */
    private record Row(Program program, double nativeProc, double nodeProc, double nodeIn, double oursProc,
            double oursIn, double chicoryProc, double chicoryIn, double interpScaled, double oursProcLoad,
            double oursProcRun, double guardIn) {
    }

    void run() throws Exception {
        // The first JVM of each engine writes a CDS archive of the classes it loaded; the measured
        // JVMs start from it (as the keep launcher does with its own archive).
        for (String engine : List.of("ours", "chicory-compiler")) {
            ProcessRunner.run(jvm(engine, build.resolve("fib.wasm"), "1"));
        }
        List<Row> rows = new ArrayList<>();
        for (Program p : PROGRAMS) {
            Program program = quick ? new Program(p.name, Math.max(1, p.units / 8), Math.max(1, p.interpUnits / 8)) : p;
            rows.add(measure(program));
        }
        print(rows);
    }

    private Row measure(Program p) throws Exception {
        Path wasm = build.resolve(p.name + ".wasm");
        String units = Integer.toString(p.units);
        byte[] bytes = Files.readAllBytes(wasm);
        System.err.printf("[%s] native ...%n", p.name);
        double nativeProc = Double.MAX_VALUE;
        long expected = 0;
        for (int i = 0; i < 3; i++) {
            ProcessRunner.ProcessResult r = ProcessRunner.run(List.of(build.resolve(p.name).toString(), units));
            expected = r.firstNumber();
            nativeProc = Math.min(nativeProc, r.millis());
        }
        System.err.printf("[%s] node ...%n", p.name);
        double nodeProc = Double.MAX_VALUE;
        double nodeIn = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            ProcessRunner.ProcessResult r = ProcessRunner.run(List.of("node", nodeRunner.toString(), wasm.toString(), units));
            check(p, "node", expected, r.firstNumber());
            nodeProc = Math.min(nodeProc, r.millis());
            nodeIn = Math.min(nodeIn, Double.parseDouble(r.lastLine().split("\\s+")[2]));
        }
        System.err.printf("[%s] ours ...%n", p.name);
        double oursProc = Double.MAX_VALUE;
        double oursProcLoad = 0;
        double oursProcRun = 0;
        for (int i = 0; i < 2; i++) {
            ProcessRunner.ProcessResult r = ProcessRunner.run(jvm("ours", wasm, units));
            check(p, "ours (process)", expected, r.firstNumber());
            if (r.millis() < oursProc) {
                oursProc = r.millis();
                String[] f = r.lastLine().split("\\s+");
                oursProcLoad = Double.parseDouble(f[1]);
                oursProcRun = Double.parseDouble(f[2]);
            }
        }
        double oursIn;
        long oursInterpUnits;
        try (Engine.Loaded ours = new OurEngine(CompilerOptions.defaults()).load(bytes)) {
            ours.run(1);
            oursIn = Double.MAX_VALUE;
            for (int i = 0; i < 2; i++) {
                Timed t = time(ours, p.units);
                check(p, "ours", expected, t.result());
                oursIn = Math.min(oursIn, t.millis());
            }
            oursInterpUnits = ours.run(p.interpUnits);
        }
        System.err.printf("[%s] ours with guard regions ...%n", p.name);
        double guardIn = Double.MAX_VALUE;
        try (Engine.Loaded guard = new OurEngine(CompilerOptions.guardRegions()).load(bytes)) {
            guard.run(1);
            for (int i = 0; i < 2; i++) {
                Timed t = time(guard, p.units);
                check(p, "ours-guard", expected, t.result());
                guardIn = Math.min(guardIn, t.millis());
            }
        }
        System.err.printf("[%s] chicory compiler ...%n", p.name);
        double chicoryProc = Double.MAX_VALUE;
        for (int i = 0; i < 2; i++) {
            ProcessRunner.ProcessResult r = ProcessRunner.run(jvm("chicory-compiler", wasm, units));
            check(p, "chicory-compiler (process)", expected, r.firstNumber());
            chicoryProc = Math.min(chicoryProc, r.millis());
        }
        double chicoryIn = Double.MAX_VALUE;
        try (Engine.Loaded chicory = new ChicoryEngine(true).load(bytes)) {
            chicory.run(Math.max(1, p.units / 4)); // JIT warm-up of the generated classes
            for (int i = 0; i < 2; i++) {
                Timed t = time(chicory, p.units);
                check(p, "chicory-compiler", expected, t.result());
                chicoryIn = Math.min(chicoryIn, t.millis());
            }
        }
        System.err.printf("[%s] chicory interpreter (%d of %d units) ...%n", p.name, p.interpUnits, p.units);
        double interpScaled;
        try (Engine.Loaded interp = new ChicoryEngine(false).load(bytes)) {
            Timed t = time(interp, p.interpUnits);
            check(p, "chicory-interp", oursInterpUnits, t.result());
            interpScaled = t.millis() * p.units / p.interpUnits;
        }
        return new Row(p, nativeProc / 1e3, nodeProc / 1e3, nodeIn / 1e3, oursProc / 1e3, oursIn / 1e3,
                chicoryProc / 1e3, chicoryIn / 1e3, interpScaled / 1e3, oursProcLoad / 1e3, oursProcRun / 1e3,
                guardIn / 1e3);
    }

    private static Timed time(Engine.Loaded loaded, int units) {
        long start = System.nanoTime();
        long result = loaded.run(units);
        return Timed.of(start, result);
    }

    private static void check(Program p, String engine, long expected, long actual) {
        if (expected != actual) {
            throw new IllegalStateException(p.name + ": " + engine + " returned " + actual + ", expected " + expected);
        }
    }

    /** A fresh JVM like this one that runs the module once. */
    private static List<String> jvm(String engine, Path wasm, String units) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String archive = wasm.resolveSibling("once-" + engine + ".jsa").toString();
        return List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+AutoCreateSharedArchive",
                "-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-cp", System.getProperty("java.class.path"),
                BenchMain.class.getName(), "once", engine, wasm.toString(), units);
    }

    /** A blank line, the caption lines, a blank line, the header row and its right-aligned rule. */
    private static void tableHead(String header, String... caption) {
        System.out.println();
        for (String line : caption) {
            System.out.println(line);
        }
        System.out.println();
        System.out.println(header);
        long columns = header.chars().filter(c -> c == '|').count() - 1;
        System.out.println("|---|" + "---:|".repeat((int) columns - 1));
    }

    private static void print(List<Row> rows) {
        System.out.println("Times in seconds. proc = whole-process wall time (process start to exit, includes JVM or");
        System.out.println("node start-up, compilation and instantiation); in = in-process time of the run() call only");
        System.out.println("(JVM engines: steady state after a warm-up call; node: timed inside node). Interpreter:");
        System.out.println("in-process at reduced units, scaled linearly to the full units.");
        System.out.println();
        System.out.println("| program | units | native proc | node proc | node in | ours proc | ours in | chicory-compiler proc | chicory-compiler in | chicory-interp in (scaled) |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            System.out.printf("| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f |%n", r.program.name, r.program.units,
                    r.nativeProc, r.nodeProc, r.nodeIn, r.oursProc, r.oursIn, r.chicoryProc, r.chicoryIn, r.interpScaled);
        }
        System.out.println();
        System.out.println("Ratios (bar: chicory-compiler / ours >= 3, ours / node <= 2, both whole-process):");
        System.out.println();
        System.out.println("| program | chicory-compiler / ours (proc) | chicory-compiler / ours (in) | ours / node (proc) | ours / node (in) | ours / native (proc) | node / native (proc) | chicory-compiler / native (proc) | chicory-interp / ours (in) | bar met |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        int met = 0;
        for (Row r : rows) {
            double vsChicory = r.chicoryProc / r.oursProc;
            double vsNode = r.oursProc / r.nodeProc;
            boolean ok = vsChicory >= 3 && vsNode <= 2;
            met += ok ? 1 : 0;
            System.out.printf("| %s | %.1fx | %.1fx | %.2f | %.2f | %.2f | %.2f | %.1f | %.0fx | %s |%n", r.program.name, vsChicory,
                    r.chicoryIn / r.oursIn, vsNode, r.oursIn / r.nodeIn, r.oursProc / r.nativeProc,
                    r.nodeProc / r.nativeProc, r.chicoryProc / r.nativeProc, r.interpScaled / r.oursIn,
                    ok ? "yes" : (vsChicory >= 3 ? "no (node)" : vsNode <= 2 ? "no (chicory)" : "no (both)"));
        }
        tableHead("| program | ours proc | JVM start-up + exit | parse + compile + instantiate | run |",
                "Whole-process time of ours, split (s): JVM start-up and exit = proc - load - run.");
        for (Row r : rows) {
            System.out.printf("| %s | %.2f | %.2f | %.2f | %.2f |%n", r.program.name, r.oursProc,
                    r.oursProc - r.oursProcLoad - r.oursProcRun, r.oursProcLoad, r.oursProcRun);
        }
        tableHead("| program | ours in, explicit | ours in, guard regions | explicit / guard |",
                "Bounds checks: ours in-process with explicit checks (what the keep runs) vs guard regions",
                "(no checks; 8 GiB slot, faults become traps), measured side by side:");
        for (Row r : rows) {
            System.out.printf("| %s | %.2f | %.2f | %.2fx |%n", r.program.name, r.oursIn, r.guardIn, r.oursIn / r.guardIn);
        }
        System.out.printf("%nbar: %d of %d programs meet both speed bars (whole-process)%n", met, rows.size());
    }
}
