package dev.keep.loader.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keep.attestation.client.AttestationClient;
import dev.keep.attestation.client.AttestationException;
import dev.keep.attestation.client.Csrs;
import dev.keep.attestation.client.IssuedCertificate;
import dev.keep.attestation.protocol.Challenge;
import dev.keep.attestation.protocol.EvidenceFiles;
import dev.keep.attestation.protocol.KeyBinding;
import dev.keep.attestation.protocol.Pem;
import dev.keep.attestation.report.Hex;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keep attest request}: asks an attestation service for a certificate or a secret (or just a verdict) with
 * evidence from files and a key whose hash the report's REPORT_DATA carries. Two steps: {@code --show-report-data
 * --url} fetches a fresh challenge and prints, as JSON, the nonce and the REPORT_DATA (hex) binding it with the key;
 * the report made with that REPORT_DATA is then sent with {@code --challenge} naming that JSON file, so the user never
 * handles the nonce. Exit 0 on success, 1 when the service refuses or cannot be reached, 2 for usage errors.
 */
@Command(name = "request", mixinStandardHelpOptions = true,
        description = "Request a certificate or a secret from a Keep attestation service.")
public final class AttestRequestCommand implements Callable<Integer> {
    static final int OK = 0;
    static final int REFUSED = 1;
    static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", description = "Base URL of the service, like https://attest:8443.")
    String url;

    @Option(names = "--certificate", paramLabel = "PROFILE",
            description = "Request a certificate for --key under this issuance profile.")
    String profile;

    @Option(names = "--secret", paramLabel = "NAME", description = "Request this secret, sealed to --key.")
    String secret;

    @Option(names = "--verify", description = "Only ask for the verdict; nothing is issued.")
    boolean verify;

    @Option(names = "--show-report-data",
            description = "With --url: get a challenge and print JSON {nonce, expires, binding, reportData (hex)} "
                    + "binding it with --key (save it for --challenge). Without --url: print the key-only REPORT_DATA "
                    + "(hex), accepted only where the service's policy sets require_nonce = false.")
    boolean showReportData;

    @Option(names = "--challenge", paramLabel = "FILE",
            description = "The JSON printed by --show-report-data --url: its nonce goes with the request.")
    Path challenge;

    @Option(names = "--report", paramLabel = "FILE", description = "Attestation report: raw or hex.")
    Path report;

    @Option(names = "--vcek", paramLabel = "FILE", description = "VCEK/VLEK, DER or PEM (else the service fetches it).")
    Path vcek;

    @Option(names = "--chain", paramLabel = "FILE", description = "ASK/ARK PEM bundle (else the service fetches it).")
    Path chain;

    @Option(names = "--key", paramLabel = "FILE", description = "PEM private key the report binds (PKCS#8).")
    Path key;

    @Option(names = "--subject", paramLabel = "DN", description = "Subject of the CSR (default: ${DEFAULT-VALUE}).")
    String subject = "CN=keep";

    @Option(names = "--binding", paramLabel = "HASH",
            description = "How REPORT_DATA binds the key: sha512 (default, or what --challenge says) or sha384.")
    String binding;

    @Option(names = "--trust", paramLabel = "FILE",
            description = "PEM certificate(s) to trust for the service's TLS instead of the system CAs.")
    Path trust;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Write the certificate chain or secret here (a new file, owner-only) instead of stdout.")
    Path out;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run();
        } catch (UsageProblem e) {
            err.println("keep attest request: " + e.getMessage());
            err.flush();
            return USAGE;
        } catch (AttestationException e) {
            err.println("keep attest request: " + e.getMessage().replaceAll("\\s+", " "));
            err.flush();
            return REFUSED;
        }
    }

    private int run() throws UsageProblem, AttestationException {
        Optional<SavedChallenge> saved = challenge == null ? Optional.empty()
                : Optional.of(SavedChallenge.read(read("--challenge", challenge), "--challenge " + challenge));
        String bindingName = binding != null ? binding : saved.map(SavedChallenge::binding).orElse("sha512");
        KeyBinding bind = KeyBinding.fromWireName(bindingName).orElseThrow(
                () -> new UsageProblem("--binding must be sha512 or sha384, got '" + bindingName + "'"));
        if (saved.isPresent() && !saved.get().binding().equals(bind.wireName())) {
            throw new UsageProblem("--binding " + bind.wireName() + " differs from the " + saved.get().binding()
                    + " binding of --challenge " + challenge);
        }
        if (showReportData) {
            KeyPair pair = keyPair();
            if (url == null) {
                print(Hex.encode(bind.reportData(pair.getPublic().getEncoded())) + "\n");
                return OK;
            }
            Challenge fresh = client().challenge();
            print(SavedChallenge.json(fresh, bind, bind.reportData(fresh.nonce(), pair.getPublic().getEncoded()))
                    + "\n");
            return OK;
        }
        int modes = (profile != null ? 1 : 0) + (secret != null ? 1 : 0) + (verify ? 1 : 0);
        if (modes != 1) {
            throw new UsageProblem("give exactly one of --certificate PROFILE, --secret NAME, --verify "
                    + "(or --show-report-data)");
        }
        if (url == null || report == null) {
            throw new UsageProblem("--url and --report are required");
        }
        AttestationClient client = client();
        EvidenceFiles evidence = new EvidenceFiles(read("--report", report),
                Optional.ofNullable(vcek == null ? null : read("--vcek", vcek)),
                Optional.ofNullable(chain == null ? null : read("--chain", chain)));
        if (verify) {
            if (saved.isPresent()) {
                throw new UsageProblem("--challenge goes with --certificate or --secret; --verify spends no nonce");
            }
            JsonNode verdict = client.verify(evidence, Optional.empty(), Optional.empty());
            print(pretty(verdict) + "\n");
            return verdict.path("verified").asBoolean() ? OK : REFUSED;
        }
        KeyPair pair = keyPair();
        Optional<byte[]> nonce = saved.map(SavedChallenge::nonce);
        if (profile != null) {
            IssuedCertificate issued;
            try {
                issued = client.requestCertificate(evidence, profile, Csrs.create(pair, subject), bind, nonce);
            } catch (IllegalArgumentException e) {
                throw new UsageProblem(e.getMessage());
            }
            emit(issued.pem().getBytes(StandardCharsets.US_ASCII));
            return OK;
        }
        emit(client.requestSecret(evidence, secret, pair, bind, nonce));
        return OK;
    }

    private AttestationClient client() throws UsageProblem {
        URI base;
        try {
            base = new URI(url);
        } catch (URISyntaxException e) {
            throw new UsageProblem("--url is not a URL: " + url);
        }
        if (!"https".equals(base.getScheme()) && !"http".equals(base.getScheme()) || base.getHost() == null) {
            throw new UsageProblem("--url must be an http(s) URL with a host: " + url);
        }
        if (trust == null) {
            return AttestationClient.create(base);
        }
        List<X509Certificate> anchors = new ArrayList<>();
        try {
            for (X509CertificateHolder h : Pem.certificates(read("--trust", trust), "--trust " + trust)) {
                anchors.add(new JcaX509CertificateConverter().getCertificate(h));
            }
        } catch (IllegalArgumentException | CertificateException e) {
            throw new UsageProblem(e.getMessage());
        }
        return AttestationClient.create(base, anchors);
    }

    private KeyPair keyPair() throws UsageProblem {
        if (key == null) {
            throw new UsageProblem("--key is required");
        }
        try {
            return Pem.keyPair(read("--key", key), "--key " + key);
        } catch (IllegalArgumentException e) {
            throw new UsageProblem(e.getMessage());
        }
    }

    private void emit(byte[] bytes) throws UsageProblem {
        if (out == null) {
            print(new String(bytes, StandardCharsets.UTF_8));
            return;
        }
        try {
            Files.createFile(out, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream o = Files.newOutputStream(out, StandardOpenOption.WRITE)) {
                o.write(bytes);
            }
        } catch (FileAlreadyExistsException e) {
            throw new UsageProblem("--out " + out + " already exists; it is never overwritten");
        } catch (IOException | UnsupportedOperationException e) {
            throw new UsageProblem("--out " + out + " cannot be written (" + e.getMessage() + ")");
        }
    }

    private void print(String text) {
        PrintWriter o = spec.commandLine().getOut();
        o.print(text);
        o.flush();
    }

    private static String pretty(JsonNode json) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json);
        } catch (IOException e) {
            return json.toString();
        }
    }

    private static byte[] read(String option, Path file) throws UsageProblem {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UsageProblem(option + " " + file + ": no such file");
        } catch (IOException e) {
            throw new UsageProblem(option + " " + file + ": cannot be read (" + e.getMessage() + ")");
        }
    }

    /**
     * The JSON that {@code --show-report-data --url} prints and {@code --challenge} reads back: the service's nonce
     * (base64), its expiry, the binding and the REPORT_DATA (hex) to put in the report. Only nonce and binding are
     * read back; REPORT_DATA is recomputed from them and the key.
     */
    private record SavedChallenge(byte[] nonce, String binding) {
        static String json(Challenge c, KeyBinding binding, byte[] reportData) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("nonce", Base64.getEncoder().encodeToString(c.nonce()));
            o.put("expires", c.expires().toString());
            o.put("binding", binding.wireName());
            o.put("reportData", Hex.encode(reportData));
            return pretty(o);
        }

        static SavedChallenge read(byte[] bytes, String what) throws UsageProblem {
            try {
                JsonNode o = new ObjectMapper().readTree(bytes);
                byte[] nonce = Base64.getDecoder().decode(o.path("nonce").asText());
                if (nonce.length != Challenge.NONCE_BYTES) {
                    throw new UsageProblem(what + ": 'nonce' is not a " + Challenge.NONCE_BYTES + "-byte nonce");
                }
                return new SavedChallenge(nonce, o.path("binding").asText("sha512"));
            } catch (IOException | IllegalArgumentException | NullPointerException e) {
                throw new UsageProblem(what + ": not the JSON printed by --show-report-data --url");
            }
        }
    }
}
