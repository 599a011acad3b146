package dev.keep.loader.invoke.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.loader.KeepException;
import dev.keep.loader.invoke.KeepInstance;
import dev.keep.loader.invoke.KeepMemory;
import dev.keep.loader.invoke.LinkFailure;
import dev.keep.loader.invoke.ModuleExited;
import dev.keep.loader.invoke.WasmTrap;
import dev.keep.loader.invoke.WasmValues;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.AppModuleLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The invoke API on the kvm backend's store keep: calls, traps the keep survives, globals,
 * memory, references, instances linked to each other, and a call that never ends. The keep's
 * ring-3 code runs natively ({@link UserModeStoreCpu}); the rest is the production path.
 */
class KvmStoreTest {
    @TempDir
    Path dir;

    private AppModule module(String name, String wat) throws IOException {
        Path wasm = dir.resolve(name + ".wasm");
        Files.write(wasm, Wat2Wasm.parse(wat));
        return AppModuleLoader.load(wasm);
    }

    private static KvmStore store(Duration callLimit) {
        return KvmStore.start(new UserModeStoreCpu(), callLimit);
    }

    @Test
    void callsTrapsGlobalsAndMemoryOfOneInstance() throws IOException {
        try (KvmStore store = store(KvmStore.DEFAULT_CALL_LIMIT)) {
            KeepInstance probe = store.instantiate(module("probe", """
                    (module
                      (memory (export "memory") 1 4)
                      (global $counter (export "counter") (mut i64) (i64.const 41))
                      (global (export "limit") f32 (f32.const 2.5))
                      (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
                      (func (export "bump") (result i64)
                        (global.set $counter (i64.add (global.get $counter) (i64.const 1)))
                        (global.get $counter))
                      (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
                      (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
                      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
                      (func (export "hyp") (param f64 f64) (result f64)
                        (f64.sqrt (f64.add (f64.mul (local.get 0) (local.get 0)) (f64.mul (local.get 1) (local.get 1)))))
                      (func (export "swap") (param i32 i64) (result i64 i32) (local.get 1) (local.get 0))
                      (func $deep (export "deep") (param i32) (result i32) (call $deep (local.get 0))))
                    """));
            assertEquals(-3, probe.invokeI32("div", -7, 2));
            assertEquals("integer divide by zero", assertThrows(WasmTrap.class, () -> probe.invoke("div", 1, 0)).getMessage());
            assertEquals("integer overflow",
                    assertThrows(WasmTrap.class, () -> probe.invoke("div", Integer.MIN_VALUE, -1)).getMessage());
            assertEquals("call stack exhausted", assertThrows(WasmTrap.class, () -> probe.invoke("deep", 1)).getMessage());
            assertEquals("out of bounds memory access",
                    assertThrows(WasmTrap.class, () -> probe.invoke("load", 65533)).getMessage());
            // The keep goes on after every trap, state intact.
            assertEquals(42L, probe.invokeI64("bump"));
            assertEquals(42L, probe.global("counter"));
            probe.setGlobal("counter", 100);
            assertEquals(101L, probe.invokeI64("bump"));
            assertEquals(2.5f, WasmValues.asF32(probe.global("limit")));
            assertThrows(KeepException.class, () -> probe.setGlobal("limit", 0));
            assertEquals(5.0, probe.invokeF64("hyp", WasmValues.f64(3), WasmValues.f64(4)));
            assertArrayEquals(new long[] {-5L, 0xFFFF_FFFFL}, probe.invoke("swap", -1, -5));

            KeepMemory memory = probe.memory();
            assertEquals(1, memory.pages());
            probe.invoke("store", 1000, 0x1234_5678);
            assertEquals(0x1234_5678, memory.readI32(1000));
            memory.writeI64(2000, 0x0102_0304_0506_0708L);
            assertEquals(0x0506_0708, probe.invokeI32("load", 2000));
            assertEquals(1, probe.invokeI32("grow", 2));
            assertEquals(3, memory.pages());
            assertEquals(-1, probe.invokeI32("grow", 2));
            memory.write(3 * 65536 - 4, new byte[] {1, 2, 3, 4});
            assertThrows(KeepException.class, () -> memory.read(3 * 65536 - 3, 4));
            assertThrows(KeepException.class, () -> probe.invoke("absent"));
            assertThrows(KeepException.class, () -> probe.invoke("div", 1));
        }
    }

    @Test
    void referencesCrossAsTheInvokeApiWritesThem() throws IOException {
        try (KvmStore store = store(KvmStore.DEFAULT_CALL_LIMIT)) {
            KeepInstance refs = store.instantiate(module("refs", """
                    (module
                      (table $t 2 funcref)
                      (func $f (result i32) (i32.const 7))
                      (elem declare func $f)
                      (func (export "id") (param externref) (result externref) (local.get 0))
                      (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0)))
                      (func (export "f") (result funcref) (ref.func $f))
                      (func (export "none") (result funcref) (ref.null func)))
                    """));
            assertEquals(-1L, refs.invoke("id", -1L)[0]);
            assertEquals(0L, refs.invoke("id", 0L)[0]);
            assertEquals(7L, refs.invoke("id", 7L)[0]);
            assertEquals(1, refs.invokeI32("is_null", -1L));
            assertEquals(0, refs.invokeI32("is_null", 0L));
            assertEquals(-1L, refs.invoke("none")[0]);
            assertNotEquals(-1L, refs.invoke("f")[0]);
        }
    }

    @Test
    void registeredInstancesShareFunctionsGlobalsMemoriesAndTables() throws IOException {
        try (KvmStore store = store(KvmStore.DEFAULT_CALL_LIMIT)) {
            KeepInstance lib = store.instantiate(module("lib", """
                    (module
                      (memory (export "mem") 1)
                      (table (export "tab") 2 funcref)
                      (global (export "g") (mut i32) (i32.const 5))
                      (func $twice (export "twice") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
                      (elem (i32.const 0) $twice)
                      (func (export "trap") (unreachable)))
                    """));
            store.register("lib", lib);
            KeepInstance user = store.instantiate(module("user", """
                    (module
                      (import "lib" "twice" (func $twice (param i32) (result i32)))
                      (import "lib" "trap" (func $trap))
                      (import "lib" "mem" (memory 1))
                      (import "lib" "tab" (table 2 funcref))
                      (import "lib" "g" (global $g (mut i32)))
                      (import "spectest" "print_i32" (func $print (param i32)))
                      (import "spectest" "global_i32" (global $spec i32))
                      (type $unary (func (param i32) (result i32)))
                      (func (export "quad") (param i32) (result i32) (call $twice (call $twice (local.get 0))))
                      (func (export "indirect") (param i32) (result i32) (call_indirect (type $unary) (local.get 0) (i32.const 0)))
                      (func (export "poke") (i32.store (i32.const 8) (global.get $spec)) (global.set $g (i32.const 9)))
                      (func (export "nested_trap") (result i32) (call $print (i32.const 1)) (call $trap) (i32.const 0)))
                    """));
            assertEquals(28, user.invokeI32("quad", 7));
            assertEquals(22, user.invokeI32("indirect", 11));
            user.invoke("poke");
            assertEquals(666, lib.memory("mem").readI32(8));
            assertEquals(9L, lib.global("g"));
            assertEquals("unreachable", assertThrows(WasmTrap.class, () -> user.invoke("nested_trap")).getMessage());
            assertEquals(28, user.invokeI32("quad", 7));

            assertThrows(LinkFailure.class, () -> store.instantiate(module("absent", """
                    (module (import "lib" "absent" (func)))""")));
            assertThrows(LinkFailure.class, () -> store.instantiate(module("mistyped", """
                    (module (import "lib" "twice" (func (param i64))))""")));
            assertThrows(LinkFailure.class, () -> store.instantiate(module("too_big", """
                    (module (import "lib" "mem" (memory 2)))""")));
            assertEquals("out of bounds table access", assertThrows(WasmTrap.class, () -> store.instantiate(module("elem", """
                    (module (import "lib" "tab" (table 2 funcref)) (func $f) (elem (i32.const 2) $f))"""))).getMessage());
        }
    }

    @Test
    void aCallThatNeverEndsStopsTheKeepAfterTheLimitAndTheStoreSaysSo() throws IOException {
        try (KvmStore store = store(Duration.ofSeconds(2))) {
            KeepInstance spin = store.instantiate(module("spin", """
                    (module (func (export "spin") (loop (br 0))) (func (export "one") (result i32) (i32.const 1)))"""));
            assertEquals(1, spin.invokeI32("one"));
            KeepException stopped = assertThrows(KeepException.class, () -> spin.invoke("spin"));
            assertTrue(stopped.getMessage().contains("ran longer than 2 s; the store keep was stopped"), stopped.getMessage());
            KeepException ended = assertThrows(KeepException.class, () -> spin.invoke("one"));
            assertTrue(ended.getMessage().startsWith("the store keep has ended: stopped"), ended.getMessage());
        }
    }

    @Test
    void modulesImportWasiFromTheKeepsRuntime() throws IOException {
        java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
        try (KvmStore store = KvmStore.start(new UserModeStoreCpu(), KvmStore.DEFAULT_CALL_LIMIT, stdout,
                java.io.OutputStream.nullOutputStream())) {
            KeepInstance fib = store.instantiate(AppModuleLoader.load(dev.keep.loader.SampleApps.fib(dir)));
            assertEquals(832040L, fib.invokeI64("fib", 30));
            assertEquals(12586269025L, fib.invokeI64("fib", 50));
            KeepInstance hello = store.instantiate(AppModuleLoader.load(dev.keep.loader.SampleApps.hello(dir)));
            hello.invoke("_start");
            assertEquals("Hello from a keep!\n", stdout.toString(java.nio.charset.StandardCharsets.UTF_8));
            // fib's _start without arguments reports the usage error and calls proc_exit(2): that ends the keep.
            ModuleExited exited = assertThrows(ModuleExited.class, () -> fib.invoke("_start"));
            assertEquals(2, exited.status());
            KeepException ended = assertThrows(KeepException.class, () -> fib.invoke("fib", 1));
            assertEquals("the store keep has ended: a module called proc_exit(2)", ended.getMessage());
            // Its memory is gone with it (unmapped, on KVM): refused, never touched.
            KeepMemory memory = fib.memory();
            assertEquals("the store keep has ended: a module called proc_exit(2)",
                    assertThrows(KeepException.class, () -> memory.readI32(0)).getMessage());
            assertThrows(KeepException.class, () -> memory.pages());
        }
    }

    @Test
    void aClosedStoreRefusesWork() throws IOException {
        KvmStore store = store(KvmStore.DEFAULT_CALL_LIMIT);
        AppModule empty = module("empty", "(module)");
        store.instantiate(empty);
        store.close();
        assertEquals("the kvm store is closed", assertThrows(KeepException.class, () -> store.instantiate(empty)).getMessage());
        store.close();
    }
}
