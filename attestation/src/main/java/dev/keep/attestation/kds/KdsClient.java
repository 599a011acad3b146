package dev.keep.attestation.kds;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import dev.keep.attestation.report.Hex;

/**
 * Downloads from AMD KDS with an on-disk cache. VCEKs and CA chains never change for a given URL (the URL names
 * the chip and TCB), so they are cached for good; CRLs are refreshed after {@code crlMaxAge}. KDS rate-limits
 * clients, which is the main reason for the cache. Cache files are named by the SHA-256 of the URL and written
 * atomically, so concurrent verifiers never read half a file.
 */
public final class KdsClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HttpClient http;
    private final Path cacheDir;
    private final Duration crlMaxAge;
    private final Clock clock;

    public KdsClient(HttpClient http, Path cacheDir, Duration crlMaxAge, Clock clock) {
        this.http = http;
        this.cacheDir = cacheDir;
        this.crlMaxAge = crlMaxAge;
        this.clock = clock;
    }

    /** A client with a 20 s connect timeout, caching CRLs for a day. */
    public static KdsClient create(Path cacheDir) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        return new KdsClient(http, cacheDir, Duration.ofDays(1), Clock.systemUTC());
    }

    /** The default cache location: $XDG_CACHE_HOME/keep/kds or ~/.cache/keep/kds. */
    public static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path root = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return root.resolve("keep").resolve("kds");
    }

    /** A certificate or chain: served from the cache when present. */
    public byte[] fetchImmutable(URI url) throws KdsException {
        Optional<byte[]> cached = readCache(url, null);
        return cached.isPresent() ? cached.get() : download(url);
    }

    /** A CRL: served from the cache while younger than the maximum age. */
    public byte[] fetchCrl(URI url) throws KdsException {
        Optional<byte[]> cached = readCache(url, crlMaxAge);
        return cached.isPresent() ? cached.get() : download(url);
    }

    /** Where {@code url}'s body is cached. */
    public Path cacheFile(URI url) {
        return cacheDir.resolve(sha256(url.toString()));
    }

    private Optional<byte[]> readCache(URI url, Duration maxAge) {
        Path file = cacheFile(url);
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            if (maxAge != null) {
                Instant modified = Files.getLastModifiedTime(file).toInstant();
                if (modified.plus(maxAge).isBefore(clock.instant())) {
                    return Optional.empty();
                }
            }
            byte[] body = Files.readAllBytes(file);
            return body.length == 0 ? Optional.empty() : Optional.of(body);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private byte[] download(URI url) throws KdsException {
        HttpResponse<byte[]> response;
        try {
            HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build();
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new KdsException("cannot fetch " + url + ": " + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KdsException("fetching " + url + " was interrupted");
        } catch (IllegalArgumentException e) {
            throw new KdsException("cannot fetch " + url + ": " + e.getMessage());
        }
        int status = response.statusCode();
        if (status == 429) {
            throw new KdsException("KDS rate limit reached fetching " + url + " (HTTP 429); retry later");
        }
        if (status != 200) {
            throw new KdsException("KDS answered HTTP " + status + " for " + url);
        }
        byte[] body = response.body();
        if (body.length == 0) {
            throw new KdsException("KDS answered with an empty body for " + url);
        }
        writeCache(url, body);
        return body;
    }

    private void writeCache(URI url, byte[] body) {
        try {
            Files.createDirectories(cacheDir);
            Path target = cacheFile(url);
            Path temp = Files.createTempFile(cacheDir, target.getFileName().toString(), ".part");
            Files.write(temp, body);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // A cache that cannot be written only costs a later download; the fetched bytes are still good.
        }
    }

    private static String sha256(String text) {
        try {
            return Hex.encode(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
