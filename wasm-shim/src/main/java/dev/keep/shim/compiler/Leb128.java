package dev.keep.shim.compiler;

/** LEB128 numbers read from a module's raw bytes, where the front end reads them itself. */
final class Leb128 {
    private Leb128() {
    }

    /**
     * The number at {@code offset}: {value, offset after it}. A signed number is sign-extended.
     *
     * @param maxBytes the most bytes the encoding may take
     * @param malformed the message of the CompileException for a number that runs past the end or
     *     past maxBytes (" at byte offset N" is added)
     */
    static long[] read(byte[] bytes, int offset, boolean signed, int maxBytes, String malformed) {
        long result = 0;
        int shift = 0;
        int at = offset;
        while (true) {
            if (at >= bytes.length || shift > 7 * (maxBytes - 1)) {
                throw new CompileException(malformed + " at byte offset " + offset);
            }
            int b = bytes[at++] & 0xFF;
            result |= (long) (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0) {
                if (signed && shift < 64 && (b & 0x40) != 0) {
                    result |= -1L << shift;
                }
                return new long[] {result, at};
            }
        }
    }
}
