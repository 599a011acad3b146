package dev.keep.loader.cli;

import java.util.List;

/**
 * The words after APP.wasm on the command lines of {@code run} and {@code measure}, which parse no
 * options after the app: everything there is the app's, and a {@code --} right after the app is only
 * a separator (so {@code keep run app.wasm -- -v} passes {@code -v}).
 */
final class AppArguments {
    private AppArguments() {}

    static List<String> afterApp(List<String> words) {
        if (!words.isEmpty() && words.get(0).equals("--")) {
            return words.subList(1, words.size());
        }
        return words;
    }
}
