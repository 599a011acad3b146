package dev.keep.loader.cli;

/**
 * A problem with a command's options or the files they name, found while the command runs: the
 * command reports it as one line and exits with status 2, as picocli does for its own usage errors.
 */
final class UsageProblem extends Exception {
    UsageProblem(String message) {
        super(message);
    }
}
