package dev.keep.bench.wasiio;

import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.cli.BenchBackends;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The WASI I/O benchmark (issue 5, item 3): the same loops of fd_write and fd_read as a native
 * program, on the nil backend (fresh process and in-process), on the keep's own code run in user
 * mode, and on kvm when that backend can run here. Not a test; bench/wasi-io/run.sh starts it.
 *
 * <p>Arguments: WORK_DIR APP.wasm NATIVE_BINARY JAVA CLASSPATH CDS_ARCHIVE ONE_BYTE_WRITES
 * BIG_WRITES READ_PASSES USER_MODE_DIVISOR. The user-mode keep runs 1/USER_MODE_DIVISOR of every
 * loop's work (each of its hostcalls costs a round trip through a pipe to this JVM); the per-write
 * and per-MB figures do not depend on the count.
 */
public final class WasiIoBench {
    private static final int NATIVE_RUNS = 3;
    private static final int PROCESS_RUNS = 2;
    private static final int IN_PROCESS_RUNS = 3;
    private static final int USER_MODE_RUNS = 2;

    private WasiIoBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 10) {
            System.err.println("usage: WasiIoBench WORK_DIR APP.wasm NATIVE JAVA CLASSPATH CDS_ARCHIVE"
                    + " ONE_BYTE_WRITES BIG_WRITES READ_PASSES USER_MODE_DIVISOR");
            System.exit(2);
        }
        Path workDir = Path.of(args[0]).toAbsolutePath();
        Workload work = new Workload(Path.of(args[1]).toAbsolutePath(), Path.of(args[2]).toAbsolutePath(), workDir,
                Long.parseLong(args[6]), Long.parseLong(args[7]), Long.parseLong(args[8]));
        long divisor = Long.parseLong(args[9]);
        Workload userModeWork = new Workload(work.wasm(), work.nativeBinary(), workDir,
                work.oneByteWrites() / divisor, Math.max(1, work.bigWrites() / divisor),
                Math.max(1, work.readPasses() / divisor));

        progress("native");
        EngineResult.Measured nativeResult = NativeEngine.run(work, NATIVE_RUNS);
        List<EngineResult> others = new ArrayList<>();
        progress("nil, fresh processes");
        others.add(KeepProcessEngine.run(work, Path.of(args[3]), args[4], Path.of(args[5]), PROCESS_RUNS));
        BackendSelector backends = BenchBackends.selector();
        progress("nil, in-process");
        others.add(InProcessEngine.run("nil, in-process (steady state)", backends, "nil", work, IN_PROCESS_RUNS));
        progress("keep runtime in user mode");
        UserModeEngine.Result userMode = UserModeEngine.run(userModeWork, USER_MODE_RUNS);
        others.add(userMode.engine());
        progress("kvm");
        others.add(InProcessEngine.run("kvm (in-process, KeepRunner)", backends, "kvm", work, IN_PROCESS_RUNS));

        System.out.println(String.format("Loops: %d one-byte writes, %d writes of 64 KiB, %d passes over the 1 MiB"
                        + " file (the user-mode keep: %d, %d, %d).", work.oneByteWrites(), work.bigWrites(),
                work.readPasses(), userModeWork.oneByteWrites(), userModeWork.bigWrites(), userModeWork.readPasses()));
        System.out.println();
        ResultTables tables = new ResultTables(System.out);
        tables.print(nativeResult, others);
        if (userMode.engine() instanceof EngineResult.Measured measured) {
            tables.printHostcalls(measured, userMode.hostcalls());
        }
    }

    private static void progress(String engine) {
        System.err.println("wasi-io: running " + engine);
    }
}
