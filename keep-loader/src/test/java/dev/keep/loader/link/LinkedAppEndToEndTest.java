package dev.keep.loader.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.link.LinkedApps.Run;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.LaunchConfig;
import dev.keep.shim.link.LinkException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wasm apps linked with the in-keep runtime into keep images whose ring-3 code runs natively (no
 * KVM here): compiled code, runtime entry, WASI routines and hostcalls all for real, answered by
 * the real dispatcher. Each run is compared with the nil backend running the same module with the
 * same arguments and environment.
 */
class LinkedAppEndToEndTest {
    @TempDir
    Path dir;

    /** Runs both ways and checks the keep ran to an exit with the nil backend's status and output. */
    private Run both(byte[] wasm, LaunchConfig config) throws Exception {
        Run keep = LinkedApps.keep(wasm, config);
        Run nil = LinkedApps.nil(dir, wasm, config);
        assertNull(keep.fault(), () -> "the keep did not exit: " + keep.fault());
        assertEquals(nil.exit(), keep.exit(), "exit status differs from the nil backend");
        assertEquals(nil.out(), keep.out(), "stdout differs from the nil backend");
        assertEquals(nil.err(), keep.err(), "stderr differs from the nil backend");
        return keep;
    }

    @Test
    void helloPrintsItsLineAndExitsZero() throws Exception {
        Run run = both(LinkedApps.sample("hello"), LaunchConfig.of("hello.wasm"));
        assertEquals(0, run.exit());
        assertEquals("Hello from a keep!\n", run.out());
    }

    @Test
    void fibOfTenIs55() throws Exception {
        Run run = both(LinkedApps.sample("fib"), LaunchConfig.of("fib.wasm", "10"));
        assertEquals(0, run.exit());
        assertEquals("55\n", run.out());
    }

    @Test
    void fibOf93IsTheLargestUnsigned64BitOne() throws Exception {
        Run run = both(LinkedApps.sample("fib"), LaunchConfig.of("fib.wasm", "93"));
        assertEquals("12200160415121876738\n", run.out());
    }

    @Test
    void fibWithoutArgumentsPrintsUsageAndExitsTwo() throws Exception {
        Run run = both(LinkedApps.sample("fib"), LaunchConfig.of("fib.wasm"));
        assertEquals(2, run.exit());
        assertEquals("", run.out());
        assertEquals("usage: fib N   (0 <= N <= 93)\n", run.err());
    }

    @Test
    void fibRejectsAnOutOfRangeArgument() throws Exception {
        Run run = both(LinkedApps.sample("fib"), LaunchConfig.of("fib.wasm", "94"));
        assertEquals(2, run.exit());
    }

    @Test
    void argumentsAndEnvironmentReachTheApp() throws Exception {
        LinkedHashMap<String, String> env = new LinkedHashMap<>();
        env.put("GREETING", "hi there");
        env.put("EMPTY", "");
        env.put("UNICODE", "gr\u00fc\u00df");
        LaunchConfig config = new LaunchConfig("echo.wasm", List.of("one", "", "two words", "\u00e9"),
                env, LaunchConfig.DEFAULT_MEMORY_PAGES);
        Run run = both(LinkedApps.testApp("echo"), config);
        assertEquals("echo.wasm\none\n\ntwo words\n\u00e9\nGREETING=hi there\nEMPTY=\nUNICODE=gr\u00fc\u00df\n",
                run.out());
    }

    @Test
    void exitCodeComesThroughProcExit() throws Exception {
        byte[] wasm = LinkedApps.wat("""
                (module
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (func (export "_start") (call $exit (i32.const 42)) (unreachable)))
                """);
        assertEquals(42, both(wasm, LaunchConfig.of("exit.wasm")).exit());
    }

    /** The trap line names the app by argv[0]; the nil backend names it by the path as given. */
    @Test
    void divideByZeroEndsWithTheTrapExit() throws Exception {
        byte[] wasm = LinkedApps.testApp("divide-by-zero");
        LaunchConfig config = LaunchConfig.of("divide-by-zero.wasm");
        Run keep = LinkedApps.keep(wasm, config);
        Run nil = LinkedApps.nil(dir, wasm, config);
        assertNull(keep.fault());
        assertEquals(134, keep.exit());
        assertEquals(nil.exit(), keep.exit());
        assertEquals("keep: divide-by-zero.wasm trapped: integer divide by zero\n", keep.err());
        String nilMessage = nil.err().substring(nil.err().indexOf(" trapped: "));
        assertEquals(nilMessage, keep.err().substring(keep.err().indexOf(" trapped: ")));
    }

    @Test
    void trapAfterOutputKeepsTheOutput() throws Exception {
        byte[] wasm = LinkedApps.wat("""
                (module
                  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
                  (memory 1)
                  (data (i32.const 0) "\\10\\00\\00\\00\\03\\00\\00\\00")
                  (data (i32.const 16) "ok\\n")
                  (func $deep (param i32) (result i32)
                    (if (result i32) (i32.eqz (local.get 0))
                      (then (i32.load (i32.const 0x10000)))
                      (else (call $deep (i32.sub (local.get 0) (i32.const 1))))))
                  (func (export "_start")
                    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
                    (drop (call $deep (i32.const 100)))))
                """);
        Run keep = LinkedApps.keep(wasm, LaunchConfig.of("oob.wasm"));
        assertEquals(134, keep.exit());
        assertEquals("ok\n", keep.out());
        assertEquals("keep: oob.wasm trapped: out of bounds memory access\n", keep.err());
    }

    @Test
    void runawayRecursionIsACallStackTrap() throws Exception {
        byte[] wasm = LinkedApps.wat("""
                (module
                  (func $f (call $f))
                  (func (export "_start") (call $f)))
                """);
        Run keep = LinkedApps.keep(wasm, LaunchConfig.of("recurse.wasm"));
        assertEquals(134, keep.exit(), () -> "fault: " + keep.fault());
        assertEquals("keep: recurse.wasm trapped: call stack exhausted\n", keep.err());
    }

    /** fd_write's checks answer with WASI errnos; the app exits with the errno it got. */
    @Test
    void fdWriteChecksFdAndPointers() throws Exception {
        assertEquals(8, fdWriteErrno("3", "0", "1", "8"), "EBADF for fd 3");
        assertEquals(21, fdWriteErrno("1", "65532", "1", "8"), "EFAULT for an iovec array past the end");
        assertEquals(21, fdWriteErrno("1", "0", "1", "65534"), "EFAULT for nwritten past the end");
        assertEquals(21, fdWriteErrno("1", "24", "1", "8"), "EFAULT for a buffer past the end");
        assertEquals(0, fdWriteErrno("1", "0", "0", "8"), "no iovecs is fine");
        Run exact = LinkedApps.keep(fdWriteApp("1", "32", "1", "8"), LaunchConfig.of("w.wasm"));
        assertEquals(0, exact.exit(), "a buffer ending exactly at the end of memory is fine");
        assertEquals(256, exact.out().length());
    }

    private static int fdWriteErrno(String fd, String iovs, String count, String nwritten) throws Exception {
        Run run = LinkedApps.keep(fdWriteApp(fd, iovs, count, nwritten), LaunchConfig.of("w.wasm"));
        assertNull(run.fault());
        assertEquals("", run.out());
        return run.exit();
    }

    private static byte[] fdWriteApp(String fd, String iovs, String count, String nwritten) {
        return LinkedApps.wat("""
                (module
                  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (memory 1)
                  (data (i32.const 0) "\\10\\00\\00\\00\\03\\00\\00\\00")
                  (data (i32.const 24) "\\00\\ff\\00\\00\\01\\01\\00\\00")
                  (data (i32.const 32) "\\00\\ff\\00\\00\\00\\01\\00\\00")
                  (func (export "_start")
                    (call $exit (call $w (i32.const %s) (i32.const %s) (i32.const %s) (i32.const %s)))))
                """.formatted(fd, iovs, count, nwritten));
    }

    @Test
    void fdWriteReportsTheBytesWrittenAcrossIovecs() throws Exception {
        byte[] wasm = LinkedApps.wat("""
                (module
                  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (memory 1)
                  (data (i32.const 0) "\\20\\00\\00\\00\\03\\00\\00\\00\\30\\00\\00\\00\\00\\00\\00\\00\\24\\00\\00\\00\\02\\00\\00\\00")
                  (data (i32.const 32) "abc\\nde")
                  (func (export "_start")
                    (drop (call $w (i32.const 2) (i32.const 0) (i32.const 3) (i32.const 100)))
                    (call $exit (i32.load (i32.const 100)))))
                """);
        Run run = both(wasm, LaunchConfig.of("iov.wasm"));
        assertEquals(5, run.exit());
        assertEquals("abcde", run.err());
    }

    /**
     * The instance state the linker lays out at link time: the start function runs before
     * _start, globals hold their initial values, element segments fill the table with working
     * funcrefs, and memory.grow succeeds inside the committed memory and fails beyond it.
     */
    @Test
    void startFunctionGlobalsTablesAndMemoryGrowWork() throws Exception {
        byte[] wasm = LinkedApps.wat("""
                (module
                  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (memory 1)
                  (global $g (mut i32) (i32.const 40))
                  (table 2 funcref)
                  (elem (i32.const 0) $one $two)
                  (type $r (func (result i32)))
                  (data (i32.const 0) "\\10\\00\\00\\00\\06\\00\\00\\00")
                  (data (i32.const 16) "start\\n")
                  (func $one (result i32) (i32.const 1))
                  (func $two (result i32) (i32.const 2))
                  (func $init
                    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
                    (global.set $g (i32.add (global.get $g) (i32.const 1))))
                  (start $init)
                  (func (export "_start")
                    (local $r i32)
                    (local.set $r (global.get $g))
                    (local.set $r (i32.add (local.get $r) (call_indirect (type $r) (i32.const 1))))
                    (if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then (unreachable)))
                    (i32.store (i32.const 131068) (i32.const 7))
                    (local.set $r (i32.add (local.get $r) (i32.load (i32.const 131068))))
                    (if (i32.ne (memory.grow (i32.const 1000)) (i32.const -1)) (then (unreachable)))
                    (call $exit (local.get $r))))
                """);
        Run run = LinkedApps.keep(wasm, LaunchConfig.of("state.wasm"));
        assertNull(run.fault());
        assertEquals("start\n", run.out());
        assertEquals(41 + 2 + 7, run.exit());
    }

    @Test
    void argsGetChecksItsBuffers() throws Exception {
        byte[] wasm = LinkedApps.wat("""
                (module
                  (import "wasi_snapshot_preview1" "args_get" (func $g (param i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (memory 1)
                  (func (export "_start") (call $exit (call $g (i32.const 0) (i32.const 65530)))))
                """);
        assertEquals(21, LinkedApps.keep(wasm, LaunchConfig.of("a.wasm", "abcdef")).exit());
    }

    @Test
    void anImportTheRuntimeLacksIsRefusedAtLinkTime() {
        byte[] wasm = LinkedApps.wat("""
                (module
                  (import "wasi" "thread-spawn" (func (param i32) (result i32)))
                  (memory 1)
                  (func (export "_start")))
                """);
        LinkException e = assertThrows(LinkException.class, () -> KeepLinker.link(wasm, LaunchConfig.of("r.wasm")));
        assertTrue(e.getMessage().startsWith("import wasi.thread-spawn is not provided"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }
}
