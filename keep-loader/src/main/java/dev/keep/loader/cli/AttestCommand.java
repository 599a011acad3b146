package dev.keep.loader.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code keep attest ...}: verify evidence and, later, serve and request attestation. */
@Command(name = "attest", mixinStandardHelpOptions = true,
        description = "Verify SEV-SNP attestation evidence.",
        subcommands = {AttestVerifyCommand.class})
public final class AttestCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (verify)");
    }
}
