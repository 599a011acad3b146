package dev.keep.loader.cli;

import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.service.AttestationServer;
import dev.keep.attestation.service.ConfigException;
import dev.keep.attestation.service.ServiceConfig;
import dev.keep.attestation.service.ServiceConfigLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keep attest serve --config service.toml}: runs the attestation service until the process is stopped.
 * Exit 0 after a clean stop, 2 when the configuration is wrong or the address cannot be bound.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the attestation service: verify evidence, issue certificates, release secrets.")
public final class AttestServeCommand implements Callable<Integer> {
    static final int STOPPED = 0;
    static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Service configuration (TOML).")
    Path config;

    @Option(names = "--at", hidden = true, paramLabel = "INSTANT",
            description = "Check certificate validity at this ISO-8601 instant instead of now.")
    String at;

    private final Consumer<AttestationServer> onStarted;

    public AttestServeCommand() {
        this(server -> { });
    }

    /** For tests: {@code onStarted} receives the running server (and may close it to end the command). */
    AttestServeCommand(Consumer<AttestationServer> onStarted) {
        this.onStarted = onStarted;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AttestationServer server;
        try {
            ServiceConfig settings = ServiceConfigLoader.load(config);
            server = AttestationServer.start(settings, ArkPins.amd(), clock());
            out.println("keep attest serve: listening on " + server.uri() + " (" + settings.profiles().size()
                    + " profiles, " + settings.secrets().size() + " secrets, audit log " + settings.auditLog() + ")");
            out.flush();
        } catch (ConfigException e) {
            err.println("keep attest serve: " + e.getMessage());
            err.flush();
            return USAGE;
        }
        Thread hook = new Thread(server::close, "keep-attest-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        onStarted.accept(server);
        try {
            server.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook is running or has run
            }
        }
        return STOPPED;
    }

    private Clock clock() throws ConfigException {
        if (at == null) {
            return Clock.systemUTC();
        }
        try {
            return Clock.fixed(Instant.parse(at), ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new ConfigException("--at is not an ISO-8601 instant (like 2025-06-01T00:00:00Z): " + at);
        }
    }
}
