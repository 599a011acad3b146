package dev.keep.attestation.report;

import java.util.HexFormat;
import java.util.Optional;

/** Lower-case hex encoding and tolerant hex decoding (whitespace ignored, optional 0x prefix). */
public final class Hex {
    private static final HexFormat LOWER = HexFormat.of();

    private Hex() {}

    public static String encode(byte[] bytes) {
        return LOWER.formatHex(bytes);
    }

    /** Decodes hex text, or returns empty when the text is not an even-length run of hex digits. */
    public static Optional<byte[]> tryDecode(CharSequence text) {
        StringBuilder digits = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isWhitespace(c)) {
                digits.append(c);
            }
        }
        String s = digits.toString();
        if (s.startsWith("0x") || s.startsWith("0X")) {
            s = s.substring(2);
        }
        if (s.isEmpty() || s.length() % 2 != 0) {
            return Optional.empty();
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return Optional.empty();
            }
        }
        return Optional.of(HexFormat.of().parseHex(s));
    }

    /** Decodes hex text or throws {@link IllegalArgumentException} with a one-line reason. */
    public static byte[] decode(String what, CharSequence text) {
        return tryDecode(text).orElseThrow(
                () -> new IllegalArgumentException(what + " is not valid hex (expected an even number of hex digits)"));
    }
}
