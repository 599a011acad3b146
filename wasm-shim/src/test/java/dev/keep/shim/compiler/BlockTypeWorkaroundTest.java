package dev.keep.shim.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/**
 * A module with 130 types whose blocks use type indices 64 (which Chicory reads as the empty block
 * type 0x40) and 127 (which it reads as i32): the compiler decodes them itself and runs them right.
 */
class BlockTypeWorkaroundTest {
    private static void leb(ByteArrayOutputStream out, long value) {
        do {
            int b = (int) (value & 0x7F);
            value >>>= 7;
            out.write(value != 0 ? b | 0x80 : b);
        } while (value != 0);
    }

    /** s33 encoding of a non-negative type index. */
    private static void s33(ByteArrayOutputStream out, long value) {
        while (true) {
            int b = (int) (value & 0x7F);
            value >>= 7;
            if (value == 0 && (b & 0x40) == 0) {
                out.write(b);
                return;
            }
            out.write(b | 0x80);
        }
    }

    private static void section(ByteArrayOutputStream module, int id, ByteArrayOutputStream body) {
        module.write(id);
        leb(module, body.size());
        module.writeBytes(body.toByteArray());
    }

    static byte[] module() {
        ByteArrayOutputStream types = new ByteArrayOutputStream();
        leb(types, 130);
        for (int k = 0; k < 130; k++) {
            types.write(0x60);
            if (k == 64) {
                types.writeBytes(new byte[] {0, 2, 0x7F, 0x7F});              // [] -> [i32 i32]
            } else if (k == 127) {
                types.writeBytes(new byte[] {1, 0x7F, 1, 0x7E});              // [i32] -> [i64]
            } else if (k == 0) {
                types.writeBytes(new byte[] {0, 1, 0x7F});                    // [] -> [i32]
            } else if (k == 1) {
                types.writeBytes(new byte[] {1, 0x7F, 1, 0x7E});              // [i32] -> [i64]
            } else {
                // Distinct filler types: k parameters would be large, so vary results by k's bits.
                types.write(1);
                types.write(0x7E);
                types.write(1);
                types.write(k % 2 == 0 ? 0x7D : 0x7C);
                continue;
            }
        }
        ByteArrayOutputStream funcs = new ByteArrayOutputStream();
        leb(funcs, 2);
        leb(funcs, 0);
        leb(funcs, 1);
        ByteArrayOutputStream exports = new ByteArrayOutputStream();
        leb(exports, 2);
        for (int f = 0; f < 2; f++) {
            String name = f == 0 ? "pair" : "widen";
            leb(exports, name.length());
            exports.writeBytes(name.getBytes());
            exports.write(0);
            leb(exports, f);
        }
        ByteArrayOutputStream pair = new ByteArrayOutputStream();
        pair.write(0);                                   // no locals
        pair.write(0x02);
        s33(pair, 64);                                   // block (type 64): [] -> [i32 i32]
        pair.writeBytes(new byte[] {0x41, 7, 0x41, 5, 0x0B, 0x6B, 0x0B}); // 7 5 end i32.sub end
        ByteArrayOutputStream widen = new ByteArrayOutputStream();
        widen.write(0);
        widen.writeBytes(new byte[] {0x20, 0});          // local.get 0
        widen.write(0x02);
        s33(widen, 127);                                 // block (type 127): [i32] -> [i64]
        widen.writeBytes(new byte[] {(byte) 0xAD, 0x0B, 0x0B}); // i64.extend_i32_u end end
        ByteArrayOutputStream code = new ByteArrayOutputStream();
        leb(code, 2);
        for (ByteArrayOutputStream body : new ByteArrayOutputStream[] {pair, widen}) {
            leb(code, body.size());
            code.writeBytes(body.toByteArray());
        }
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
        section(m, 1, types);
        section(m, 3, funcs);
        section(m, 7, exports);
        section(m, 10, code);
        return m.toByteArray();
    }

    @Test
    void typeIndexedBlocksAbove64TypesDecodeAndRun() throws Exception {
        byte[] wasm = module();
        WasmFrontEnd.ParsedModule parsed = WasmFrontEnd.parse(wasm);
        // Chicory's own validator cannot accept these blocks, so the front end had to take over.
        assertFalse(parsed.validatedByChicory());
        try (NativeInstance inst = new NativeInstance(ModuleCompiler.compile(wasm))) {
            assertArrayEquals(new long[] {2}, inst.invoke("pair"));
            assertArrayEquals(new long[] {0xFFFF_FFFFL}, inst.invoke("widen", -1));
        }
    }
}
