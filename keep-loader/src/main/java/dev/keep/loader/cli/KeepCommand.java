package dev.keep.loader.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The root {@code keep} command; it only groups the subcommands. */
@Command(
        name = "keep",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Run WebAssembly apps in hardware-isolated, attested keeps.",
        subcommands = {RunCommand.class, InvokeCommand.class, CompileCommand.class, MeasureCommand.class, PlatformCommand.class, AttestCommand.class, WastCommand.class, WasiSuiteCommand.class, picocli.CommandLine.HelpCommand.class})
public final class KeepCommand implements Runnable {
    @Mixin
    Verbosity verbosity;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    /** True when {@code -v} was given to the root or to the subcommand that owns {@code own}. */
    static boolean verbose(CommandSpec leaf, Verbosity own) {
        Object root = leaf.root().userObject();
        return own.verbose || (root instanceof KeepCommand k && k.verbosity != null && k.verbosity.verbose);
    }
}
