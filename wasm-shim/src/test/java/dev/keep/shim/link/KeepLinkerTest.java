package dev.keep.shim.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.shim.compiler.CompiledModuleFormat;
import dev.keep.shim.compiler.CompilerOptions;
import dev.keep.shim.compiler.ModuleCompiler;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.KeepLayout;
import dev.keep.shim.image.MemoryChunk;
import dev.keep.shim.image.PageRole;
import dev.keep.shim.image.VirtualRegion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the linker puts into an image (without running it; keep-loader's LinkedAppEndToEndTest
 * runs linked images): determinism, what the launch config changes, the instantiated state, and
 * the one-line refusals.
 */
class KeepLinkerTest {
    private static byte[] fib() {
        return Wat2Wasm.parse(Path.of(System.getProperty("keep.projectRoot"))
                .resolve("samples/fib/fib.wat").toFile());
    }

    private static String failure(String wat) {
        byte[] wasm = Wat2Wasm.parse(wat);
        LinkException e = assertThrows(LinkException.class, () -> KeepLinker.link(wasm, LaunchConfig.of("x.wasm")));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void sameModuleAndConfigGiveByteIdenticalImages() {
        LaunchConfig config = LaunchConfig.of("fib.wasm", "30").withEnv(Map.of("A", "1"));
        KeepImage first = KeepLinker.link(fib(), config);
        KeepImage second = KeepLinker.link(fib(), config);
        assertEquals(first.memorySize(), second.memorySize());
        assertEquals(first.chunks().size(), second.chunks().size());
        for (int i = 0; i < first.chunks().size(); i++) {
            MemoryChunk a = first.chunks().get(i);
            MemoryChunk b = second.chunks().get(i);
            assertEquals(a.address(), b.address());
            assertArrayEquals(a.bytes(), b.bytes());
        }
        assertEquals(first.entryState(), second.entryState());
        assertArrayEquals(first.digest(), second.digest());
    }

    @Test
    void codeReadBackFromTheStoredFormGivesTheSameImageAndMeasurement() {
        LaunchConfig config = LaunchConfig.of("fib.wasm", "30");
        byte[] wasm = fib();
        byte[] stored = CompiledModuleFormat.write(wasm, ModuleCompiler.compile(wasm));
        KeepLinker.CodeSupplier fromStore = w -> CompiledModuleFormat.read(w, stored,
                CompilerOptions.defaults());
        assertArrayEquals(KeepLinker.link(wasm, config).digest(), KeepLinker.link(wasm, config, fromStore).digest());
        assertArrayEquals(KeepLinker.linkSnp(wasm, config, 51).digest(), KeepLinker.linkSnp(wasm, config, 51, fromStore).digest());
    }

    @Test
    void argumentsEnvironmentAndMemoryAreMeasured() {
        byte[] fib = fib();
        byte[] base = KeepLinker.link(fib, LaunchConfig.of("fib.wasm", "30")).digest();
        List<LaunchConfig> variants = List.of(
                LaunchConfig.of("fib.wasm", "31"),
                LaunchConfig.of("fib.wasm", "30", ""),
                LaunchConfig.of("other.wasm", "30"),
                LaunchConfig.of("fib.wasm", "30").withEnv(Map.of("A", "")),
                new LaunchConfig("fib.wasm", List.of("30"), new LinkedHashMap<>(), 17));
        for (LaunchConfig variant : variants) {
            assertFalse(Arrays.equals(base, KeepLinker.link(fib, variant).digest()), variant.toString());
        }
    }

    @Test
    void argvAndEnvironmentAreBakedIntoTheDataRegion() {
        KeepImage image = KeepLinker.link(fib(), LaunchConfig.of("fib.wasm", "42").withEnv(Map.of("KEY", "value")));
        VirtualRegion data = image.pageMap().region(PageRole.DATA);
        assertEquals(KeepLayout.USER_DATA_ADDRESS, data.address());
        String text = new String(image.read(data.physicalAddress(), (int) data.size()), StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("fib.wasm\0" + "42\0"));
        assertTrue(text.contains("KEY=value\0"));
        assertTrue(text.contains("keep: fib.wasm trapped: integer divide by zero\n"));
    }

    @Test
    void overlappingDataSegmentsAreAppliedInOrder() {
        byte[] wasm = Wat2Wasm.parse("""
                (module (memory 2)
                  (data (i32.const 100) "aaaaaaaa")
                  (data (i32.const 104) "bbbbbbbb")
                  (data (i32.const 98) "cc")
                  (data (i32.const 70000) "far")
                  (func (export "_start")))
                """);
        KeepImage image = KeepLinker.link(wasm, LaunchConfig.of("d.wasm"));
        VirtualRegion memory = image.pageMap().region(PageRole.LINEAR_MEMORY);
        assertEquals(KeepLayout.LINEAR_MEMORY_ADDRESS, memory.address());
        assertEquals(LaunchConfig.DEFAULT_MEMORY_PAGES * 65536L, memory.size());
        assertEquals("\0\0ccaaaabbbbbbbb\0", new String(image.read(memory.physicalAddress() + 96, 17), StandardCharsets.ISO_8859_1));
        assertEquals("far", new String(image.read(memory.physicalAddress() + 70000, 3), StandardCharsets.ISO_8859_1));
    }

    @Test
    void committedMemoryFollowsTheConfigAndTheDeclaredLimits() {
        byte[] small = Wat2Wasm.parse("(module (memory 1 4) (func (export \"_start\")))");
        assertEquals(4 * 65536L, KeepLinker.link(small, LaunchConfig.of("m.wasm")).pageMap()
                .region(PageRole.LINEAR_MEMORY).size());
        byte[] big = Wat2Wasm.parse("(module (memory 300) (func (export \"_start\")))");
        assertEquals(300 * 65536L, KeepLinker.link(big, LaunchConfig.of("m.wasm")).pageMap()
                .region(PageRole.LINEAR_MEMORY).size());
    }

    @Test
    void importsTheRuntimeLacksAreRefusedByName() {
        assertTrue(failure("""
                (module (import "wasi_snapshot_preview1" "sock_open" (func (param i32 i32 i32) (result i32)))
                  (func (export "_start")))
                """).startsWith("import wasi_snapshot_preview1.sock_open is not provided by the keep runtime"));
        assertTrue(failure("""
                (module (import "env" "memory" (memory 1)) (func (export "_start")))
                """).startsWith("import env.memory (memory) is not provided"));
        assertTrue(failure("""
                (module (import "env" "g" (global i32)) (func (export "_start")))
                """).startsWith("import env.g (global) is not provided"));
        assertTrue(failure("""
                (module (import "env" "proc_exit" (func (param i32))) (func (export "_start")))
                """).startsWith("import env.proc_exit is not provided"));
    }

    @Test
    void aWasiImportWithTheWrongSignatureIsRefused() {
        assertEquals("import wasi_snapshot_preview1.proc_exit has type [I64] -> [] but the keep runtime's has [I32] -> []",
                failure("""
                (module (import "wasi_snapshot_preview1" "proc_exit" (func (param i64)))
                  (func (export "_start")))
                """));
    }

    @Test
    void aModuleMustBeACommand() {
        assertEquals("the module exports no _start function (not a WASI command)",
                failure("(module (func (export \"main\")))"));
        assertEquals("_start has type [I32] -> [], expected [] -> []",
                failure("(module (func (export \"_start\") (param i32)))"));
    }

    @Test
    void instantiationFailuresAreLinkErrors() {
        assertTrue(failure("(module (memory 1) (data (i32.const 65535) \"ab\") (func (export \"_start\")))")
                .startsWith("data segment 0 is outside linear memory"));
        assertTrue(failure("""
                (module (table 1 funcref) (func $f) (elem (i32.const 1) $f) (func (export "_start")))
                """).startsWith("element segment 0 is outside table 0"));
    }

    @Test
    void malformedBytesAreALinkError() {
        LinkException e = assertThrows(LinkException.class,
                () -> KeepLinker.link(new byte[] {0, 'a', 's', 'm', 2, 0, 0, 0}, LaunchConfig.of("x.wasm")));
        assertTrue(e.getMessage().startsWith("cannot compile the module: "), e.getMessage());
    }

    @Test
    void badLaunchConfigsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> LaunchConfig.of("x.wasm").withEnv(Map.of("A=B", "c")));
        assertThrows(IllegalArgumentException.class,
                () -> new LaunchConfig("x.wasm", List.of(), new LinkedHashMap<>(), 65537));
        LinkException e = assertThrows(LinkException.class, () -> KeepLinker.link(
                Wat2Wasm.parse("(module (func (export \"_start\")))"), LaunchConfig.of("x.wasm", "a\0b")));
        assertEquals("argument or environment entry 1 contains a NUL byte", e.getMessage());
    }
}
