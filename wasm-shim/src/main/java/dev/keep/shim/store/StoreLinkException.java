package dev.keep.shim.store;

/** An import that does not exist or does not match what is exported ("unlinkable"). */
public final class StoreLinkException extends StoreException {
    private static final long serialVersionUID = 1L;

    StoreLinkException(String message) {
        super(message);
    }

    static StoreLinkException unknown(String module, String name) {
        return new StoreLinkException("unknown import " + module + "." + name);
    }

    static StoreLinkException incompatible(String module, String name) {
        return new StoreLinkException("incompatible import type " + module + "." + name);
    }

    /** Limits match when the export is at least as large and grows at most as far. */
    static void checkLimits(String module, String name, long actualMin, long actualMax, long wantedMin,
            long wantedMax) {
        if (actualMin < wantedMin || Long.compareUnsigned(actualMax, wantedMax) > 0) {
            throw incompatible(module, name);
        }
    }
}
