package dev.keep.loader.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps key paths such as {@code files[1].port} to the line that defines them, so that errors found
 * after parsing can point at the line. Jackson's TOML parser builds its tree first and so reports no
 * locations for values; TOML's keys and table headers are line-based, which makes a light scan of the
 * text enough. Values written inside inline tables or multi-line arrays are reported at the line of
 * the nearest enclosing key that the scan found.
 */
final class TomlLineIndex {
    private final Map<String, Integer> lineOfPath = new HashMap<>();

    TomlLineIndex(String text) {
        Map<String, Integer> arrayTableCounts = new HashMap<>();
        String table = "";
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            int lineNumber = i + 1;
            String line = stripComment(lines.get(i)).strip();
            if (line.startsWith("[[") && line.endsWith("]]")) {
                String name = normaliseKey(line.substring(2, line.length() - 2));
                int index = arrayTableCounts.merge(name, 1, Integer::sum) - 1;
                table = name + "[" + index + "]";
                lineOfPath.putIfAbsent(name, lineNumber);
                lineOfPath.put(table, lineNumber);
            } else if (line.startsWith("[") && line.endsWith("]")) {
                table = normaliseKey(line.substring(1, line.length() - 1));
                lineOfPath.put(table, lineNumber);
            } else {
                int equals = indexOutsideQuotes(line, '=');
                if (equals > 0) {
                    String key = normaliseKey(line.substring(0, equals));
                    lineOfPath.putIfAbsent(table.isEmpty() ? key : table + "." + key, lineNumber);
                }
            }
        }
    }

    /** The line of {@code path}, or of its nearest ancestor that the scan found; 0 when none is known. */
    int lineOf(String path) {
        String current = path;
        while (!current.isEmpty()) {
            Integer line = lineOfPath.get(current);
            if (line != null) {
                return line;
            }
            current = parent(current);
        }
        return 0;
    }

    private static String parent(String path) {
        int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        return cut <= 0 ? "" : path.substring(0, cut);
    }

    /** {@code a . "b"} becomes {@code a.b}: whitespace around dots and quotes around parts go. */
    private static String normaliseKey(String raw) {
        StringBuilder out = new StringBuilder();
        for (String part : raw.split("\\.(?=(?:[^\"']*[\"'][^\"']*[\"'])*[^\"']*$)")) {
            String p = part.strip();
            if (p.length() >= 2 && (p.charAt(0) == '"' || p.charAt(0) == '\'') && p.endsWith(p.substring(0, 1))) {
                p = p.substring(1, p.length() - 1);
            }
            if (!out.isEmpty()) {
                out.append('.');
            }
            out.append(p);
        }
        return out.toString();
    }

    private static String stripComment(String line) {
        int hash = indexOutsideQuotes(line, '#');
        return hash < 0 ? line : line.substring(0, hash);
    }

    private static int indexOutsideQuotes(String line, char wanted) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == '\\' && quote == '"') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == wanted) {
                return i;
            }
        }
        return -1;
    }
}
