package dev.keep.bench;

/** Reads a module's section headers, to tell code bytes from custom-section (debug info) bytes. */
final class WasmSections {
    private static final int CODE_SECTION = 10;

    private WasmSections() {
    }

    /** Payload size of the code section, 0 if none; assumes a well-formed module. */
    static long codeSectionBytes(byte[] wasm) {
        int[] pos = {8}; // magic and version
        while (pos[0] < wasm.length) {
            int id = wasm[pos[0]++] & 0xFF;
            long size = uleb(wasm, pos);
            if (id == CODE_SECTION) {
                return size;
            }
            pos[0] += (int) size;
        }
        return 0;
    }

    /** The module without its custom sections (id 0): same code, no debug info or names. */
    static byte[] withoutCustomSections(byte[] wasm) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(wasm.length);
        out.write(wasm, 0, 8);
        int[] pos = {8};
        while (pos[0] < wasm.length) {
            int start = pos[0];
            int id = wasm[pos[0]++] & 0xFF;
            long size = uleb(wasm, pos);
            int end = pos[0] + (int) size;
            if (id != 0) {
                out.write(wasm, start, end - start);
            }
            pos[0] = end;
        }
        return out.toByteArray();
    }

    private static long uleb(byte[] b, int[] pos) {
        long result = 0;
        int shift = 0;
        while (true) {
            int v = b[pos[0]++] & 0xFF;
            result |= (long) (v & 0x7F) << shift;
            if ((v & 0x80) == 0) {
                return result;
            }
            shift += 7;
        }
    }
}
