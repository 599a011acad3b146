package dev.keep.loader.wasi.fs;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A path the guest supplied, checked for what the kernel must never see or would answer
 * confusingly: absolute paths (refused as {@code notcapable} before the kernel's RESOLVE_BENEATH
 * would say the same), NUL bytes (C would silently cut the path there), text that is not valid
 * Unicode (it would be re-encoded as '?'), and paths longer than PATH_MAX. {@code ..} and symlinks
 * are deliberately left to openat2(2), which resolves them atomically.
 */
record GuestPath(String text, byte[] utf8) {

    static GuestPath of(String text) throws FsException {
        if (text == null || text.isEmpty()) {
            throw FsException.refused(WasiErrno.NOENT, "path is empty");
        }
        if (text.indexOf('\0') >= 0) {
            throw FsException.refused(WasiErrno.INVAL, "path contains a NUL byte");
        }
        if (text.charAt(0) == '/') {
            throw FsException.refused(WasiErrno.NOTCAPABLE,
                    "absolute path " + shown(text) + " refused: paths are relative to a preopened directory");
        }
        byte[] utf8;
        try {
            ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            utf8 = new byte[encoded.remaining()];
            encoded.get(utf8);
        } catch (CharacterCodingException e) {
            throw FsException.refused(WasiErrno.ILSEQ, "path is not valid Unicode");
        }
        if (utf8.length >= FsConstants.PATH_MAX) {
            throw FsException.refused(WasiErrno.NAMETOOLONG, "path of " + utf8.length
                    + " bytes is longer than PATH_MAX (" + (FsConstants.PATH_MAX - 1) + ")");
        }
        return new GuestPath(text, utf8);
    }

    /**
     * Splits off the last component for calls that name a directory entry (mkdirat, unlinkat,
     * renameat2, symlinkat): the parent part is resolved beneath the jail, the name is used as
     * is. Trailing slashes stay on the name, so "file/" keeps its must-be-a-directory meaning.
     */
    Entry entry() {
        int end = text.length();
        while (end > 1 && text.charAt(end - 1) == '/') {
            end--;
        }
        int slash = text.lastIndexOf('/', end - 1);
        String parent = slash < 0 ? null : text.substring(0, slash);
        String component = text.substring(slash + 1, end);
        return new Entry(parent, text.substring(slash + 1), component);
    }

    /**
     * {@code parent} is null when the entry is directly in the directory; {@code name} is the
     * last component with any trailing slashes, {@code component} without them.
     */
    record Entry(String parent, String name, String component) {
        /** "." and ".." name the directory itself or its parent, never an entry one may create or remove. */
        boolean isDotOrDotDot() {
            return component.equals(".") || component.equals("..");
        }
    }

    /** The path for messages: quoted, and cut short so a huge path cannot flood a log line. */
    static String shown(String text) {
        String cut = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return "'" + cut.replace("\n", "\\n") + "'";
    }

    @Override
    public String toString() {
        return shown(text);
    }
}
