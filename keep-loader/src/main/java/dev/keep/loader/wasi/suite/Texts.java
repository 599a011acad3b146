package dev.keep.loader.wasi.suite;

import java.util.List;

/** Turns program output into short one-line excerpts for result lines. */
final class Texts {
    private static final int MAX_QUOTE = 80;
    private static final int MAX_EXCERPT = 300;

    private Texts() {}

    /** {@code text} in double quotes with control characters escaped, cut at a readable length. */
    static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        int shown = Math.min(text.length(), MAX_QUOTE);
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                default -> quoted.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        quoted.append('"');
        return text.length() > shown ? quoted + "... (" + text.length() + " chars)" : quoted.toString();
    }

    /**
     * The lines of a program's stderr that say what went wrong, joined into one: from the last Rust
     * panic ("panicked at FILE:LINE:" and the message and values after it), else the last two lines
     * (a C assertion). Hints such as Rust's "note: run with RUST_BACKTRACE=1" are left out.
     */
    static String lastLines(String stderr) {
        List<String> lines = stderr.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("note: ")).toList();
        int from = Math.max(0, lines.size() - 2);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).contains(" panicked at ")) {
                from = i;
                break;
            }
        }
        String tail = String.join(" ", lines.subList(from, Math.min(lines.size(), from + 4)));
        return tail.length() > MAX_EXCERPT ? tail.substring(0, MAX_EXCERPT) + "..." : tail;
    }
}
