package dev.keep.loader.cli;

import dev.keep.loader.ExitCodes;
import dev.keep.loader.KeepException;
import dev.keep.loader.run.HostStreams;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Builds the {@code keep} command line with its error policy: every failure is one line on stderr
 * and a non-zero exit, never a stack trace unless {@code -v} asked for one.
 */
public final class KeepCli {
    private KeepCli() {}

    /** The command line bound to this process's standard streams. */
    public static CommandLine create() {
        return create(HostStreams.processStreams());
    }

    /**
     * The command line bound to {@code streams}: apps read and write them, and keep's own output and
     * messages go to their out and err, so that an embedding program or a test sees everything.
     */
    public static CommandLine create(HostStreams streams) {
        CommandLine cli = new CommandLine(new KeepCommand(), new StreamsFactory(streams));
        cli.setOut(new PrintWriter(new OutputStreamWriter(streams.out(), StandardCharsets.UTF_8), true));
        cli.setErr(new PrintWriter(new OutputStreamWriter(streams.err(), StandardCharsets.UTF_8), true));
        // Everything after APP.wasm belongs to the app, even words that look like keep's options.
        cli.getSubcommands().get("run").setStopAtPositional(true);
        cli.getSubcommands().get("measure").setStopAtPositional(true);
        cli.setParameterExceptionHandler(KeepCli::onUsageError);
        cli.setExecutionExceptionHandler(KeepCli::onFailure);
        return cli;
    }

    private static int onUsageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String help = cmd.getCommandSpec().qualifiedName() + " --help";
        err.println("keep: " + e.getMessage() + " (see '" + help + "')");
        err.flush();
        return ExitCodes.USAGE;
    }

    private static int onFailure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        if (e instanceof ParameterException pe) {
            return onUsageError(pe, parsed.originalArgs().toArray(String[]::new));
        }
        if (e instanceof KeepException) {
            err.println("keep: " + e.getMessage());
        } else {
            err.println("keep: internal error: " + e + (verbose(parsed) ? "" : " (run with -v for details)"));
        }
        if (verbose(parsed)) {
            e.printStackTrace(err);
        }
        err.flush();
        return ExitCodes.KEEP_ERROR;
    }

    private static boolean verbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("-v")) {
                return true;
            }
        }
        return false;
    }


    /** Hands the host streams to the commands that run apps; everything else is built as usual. */
    private record StreamsFactory(HostStreams streams) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == RunCommand.class) {
                return type.cast(new RunCommand(streams));
            }
            if (type == InvokeCommand.class) {
                return type.cast(new InvokeCommand(streams));
            }
            return CommandLine.defaultFactory().create(type);
        }
    }
}
