package dev.keep.loader.cli;

import dev.keep.loader.config.EnvNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * What {@code run} and {@code measure} take for the app from their command lines, read the same way
 * by both: the words after APP.wasm, and {@code --env KEY=VALUE} options.
 */
final class AppCommandLine {
    private AppCommandLine() {}

    /**
     * The app's arguments. Neither command parses options after APP.wasm, so everything there is the
     * app's, and a {@code --} right after the app is only a separator ({@code keep run app.wasm -- -v}
     * passes {@code -v}).
     */
    static List<String> argsAfterApp(List<String> words) {
        if (!words.isEmpty() && words.get(0).equals("--")) {
            return words.subList(1, words.size());
        }
        return words;
    }

    /** {@code --env} values as an ordered map; a malformed one is a usage error of {@code command}. */
    static Map<String, String> env(List<String> entries, CommandLine command) {
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String entry : entries) {
            int equals = entry.indexOf('=');
            String key = equals < 0 ? entry : entry.substring(0, equals);
            if (equals < 0 || !EnvNames.isValid(key) || entry.indexOf('\0') >= 0) {
                throw new ParameterException(command, "--env expects KEY=VALUE with a non-empty KEY, got '" + entry + "'");
            }
            parsed.put(key, entry.substring(equals + 1));
        }
        return parsed;
    }
}
