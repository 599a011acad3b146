package dev.keep.loader.wasi.host;

/**
 * The host's answer to one forwarded WASI call.
 *
 * @param errno the WASI errno (0: success; then the rest is meaningful)
 * @param fixed the call's fixed-size outputs, in parameter order (exactly their size on success)
 * @param variable the variable-size output (read bytes, directory entries, link text)
 * @param result the header result: bytes of {@code variable}, or bytes written for a write
 */
public record WasiReply(int errno, byte[] fixed, byte[] variable, long result) {
    private static final byte[] NONE = new byte[0];

    public static WasiReply error(int errno) {
        return new WasiReply(errno, NONE, NONE, 0);
    }

    public static WasiReply ok() {
        return new WasiReply(0, NONE, NONE, 0);
    }

    public static WasiReply fixed(byte[] fixed) {
        return new WasiReply(0, fixed, NONE, 0);
    }

    public static WasiReply variable(byte[] fixed, byte[] variable) {
        return new WasiReply(0, fixed, variable, variable.length);
    }

    public static WasiReply written(long count) {
        return new WasiReply(0, NONE, NONE, count);
    }
}
