package dev.keep.loader.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code keep platform ...}: what this host offers to keeps. */
@Command(name = "platform", mixinStandardHelpOptions = true,
        description = "Show what this host offers to keeps.",
        subcommands = {PlatformInfoCommand.class})
public final class PlatformCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (info)");
    }
}
