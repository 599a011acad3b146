package dev.keep.loader.cli;

import picocli.CommandLine.Option;

/**
 * {@code -v}: explain decisions (which backend and why) and show stack traces of errors. Mixed into
 * the root command and every subcommand, so that both {@code keep -v run} and {@code keep run -v} work.
 */
public final class Verbosity {
    @Option(names = {"-v", "--verbose"}, description = "Explain what keep decides and why; show error details.")
    boolean verbose;
}
