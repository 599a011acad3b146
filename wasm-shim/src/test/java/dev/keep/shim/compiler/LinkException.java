package dev.keep.shim.compiler;

/** An import that does not exist or does not match its export's type ("unlinkable"). */
final class LinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LinkException(String message) {
        super(message);
    }

    /** Import limits match when the export is at least as large and at most as growable. */
    static void checkLimits(String what, long actualMin, long actualMax, long wantedMin, long wantedMax) {
        if (actualMin < wantedMin || actualMax > wantedMax) {
            throw new LinkException("incompatible import type: " + what);
        }
    }
}
