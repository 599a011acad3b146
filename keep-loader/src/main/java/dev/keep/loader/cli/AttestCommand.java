package dev.keep.loader.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code keep attest ...}: verify SNP evidence, run the attestation service, and ask it for certificates or secrets. */
@Command(name = "attest", mixinStandardHelpOptions = true,
        description = "Verify SEV-SNP evidence, serve attestation, request certificates and secrets.",
        subcommands = {AttestVerifyCommand.class, AttestServeCommand.class, AttestRequestCommand.class})
public final class AttestCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (verify, serve or request)");
    }
}
