package dev.keep.attestation.service;

import dev.keep.attestation.cert.ArkPins;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * The attestation service over HTTP(S): Jetty 12 (core API, no servlets) with every task, including request
 * handling, on virtual threads, so a request blocked on a KDS fetch or the audit log costs no platform thread.
 * See the attestation README for the endpoints.
 */
public final class AttestationServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final AttestationService service;
    private final AuditLog audit;
    private final boolean tls;

    private AttestationServer(Server server, ServerConnector connector, AttestationService service, AuditLog audit,
            boolean tls) {
        this.server = server;
        this.connector = connector;
        this.service = service;
        this.audit = audit;
        this.tls = tls;
    }

    /** Starts the service of {@code config}, trusting the AMD roots {@code pins}. */
    public static AttestationServer start(ServiceConfig config, ArkPins pins, Clock clock) throws ConfigException {
        return start(config, ServiceCa.load(config.ca(), clock.instant()), pins, clock);
    }

    /** As {@link #start(ServiceConfig, ArkPins, Clock)} with a CA the caller made. */
    public static AttestationServer start(ServiceConfig config, ServiceCa ca, ArkPins pins, Clock clock)
            throws ConfigException {
        Optional<SSLContext> ssl = config.tls().isPresent() ? Optional.of(TlsContexts.server(config.tls().get()))
                : Optional.empty();
        AuditLog audit;
        try {
            audit = new AuditLog(config.auditLog(), clock);
        } catch (IOException e) {
            throw new ConfigException("audit log " + config.auditLog() + " cannot be opened: " + e.getMessage());
        }
        AttestationService service = new AttestationService(config, ca, pins, clock, audit, new ServiceMetrics());

        VirtualThreadPool threads = new VirtualThreadPool();
        threads.setName("keep-attest");
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        HttpConnectionFactory h1 = new HttpConnectionFactory(http);
        ServerConnector connector;
        if (ssl.isPresent()) {
            SslContextFactory.Server factory = new SslContextFactory.Server();
            factory.setSslContext(ssl.get());
            connector = new ServerConnector(server, new SslConnectionFactory(factory, h1.getProtocol()), h1);
        } else {
            connector = new ServerConnector(server, h1);
        }
        connector.setHost(config.host());
        connector.setPort(config.port());
        server.addConnector(connector);
        server.setHandler(new ServiceHandler(service, config.maxBodyBytes()));
        server.setStopTimeout(2000);
        try {
            server.start();
        } catch (Exception e) {
            closeQuietly(audit);
            stopQuietly(server);
            throw new ConfigException("cannot listen on " + config.host() + ":" + config.port() + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        return new AttestationServer(server, connector, service, audit, ssl.isPresent());
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** http(s)://host:port of the running service. */
    public URI uri() {
        String host = connector.getHost() == null || connector.getHost().isEmpty() ? "127.0.0.1"
                : connector.getHost();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create((tls ? "https" : "http") + "://" + host + ":" + port());
    }

    public AttestationService service() {
        return service;
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        stopQuietly(server);
        closeQuietly(audit);
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping is best effort; the process is about to end or the test is over
        }
    }

    private static void closeQuietly(AuditLog audit) {
        try {
            audit.close();
        } catch (IOException e) {
            // nothing more can be logged
        }
    }
}
