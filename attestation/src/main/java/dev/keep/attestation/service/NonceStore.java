package dev.keep.attestation.service;

import dev.keep.attestation.protocol.Challenge;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The challenge nonces the service has handed out and not yet seen back. Each nonce is accepted once, before it
 * expires; taking it out of the store is the single atomic step that decides which of several concurrent requests
 * carrying it may proceed. Memory is bounded: at most {@code maxOutstanding} nonces are outstanding (a full store
 * refuses new challenges until some expire or are used), and the record of recently spent nonces, kept only to
 * say "already used" or "expired" instead of "unknown", is bounded to the same number.
 *
 * <p>All nonces live equally long, so insertion order is expiry order and expired ones are swept from the head.
 */
public final class NonceStore {
    /** Why a nonce was not accepted; {@code null} from {@link #consume} means it was. */
    public enum Refusal {
        UNKNOWN("unknown nonce (not issued by this service, or forgotten)"),
        EXPIRED("nonce expired"),
        USED("nonce already used");

        private final String reason;

        Refusal(String reason) {
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /** The store holds {@code maxOutstanding} unexpired nonces; the oldest expires within {@code retryAfterSeconds}. */
    public static final class Full extends Exception {
        private final long retryAfterSeconds;

        Full(int max, Duration untilOldestExpires) {
            this(max, Math.max(1, untilOldestExpires.toSeconds() + (untilOldestExpires.toNanosPart() > 0 ? 1 : 0)));
        }

        private Full(int max, long seconds) {
            super("too many outstanding challenges (" + max + "); try again in " + seconds + " s", null, false, false);
            this.retryAfterSeconds = seconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    private final Clock clock;
    private final Duration lifetime;
    private final int maxOutstanding;
    private final SecureRandom random = new SecureRandom();
    /** Outstanding nonces (hex) and their expiry, oldest first. */
    private final LinkedHashMap<String, Instant> outstanding = new LinkedHashMap<>();
    /** Recently used or expired nonces (hex), oldest dropped first once the bound is reached. */
    private final LinkedHashMap<String, Refusal> spent;

    public NonceStore(Clock clock, Duration lifetime, int maxOutstanding) {
        if (lifetime.isNegative() || lifetime.isZero() || maxOutstanding < 1) {
            throw new IllegalArgumentException("nonce lifetime and capacity must be positive");
        }
        this.clock = clock;
        this.lifetime = lifetime;
        this.maxOutstanding = maxOutstanding;
        this.spent = new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Refusal> eldest) {
                return size() > maxOutstanding;
            }
        };
    }

    /** A new nonce, valid for the configured lifetime; refused when the store is full. */
    public synchronized Challenge issue() throws Full {
        Instant now = clock.instant();
        sweep(now);
        if (outstanding.size() >= maxOutstanding) {
            throw new Full(maxOutstanding, Duration.between(now, outstanding.values().iterator().next()));
        }
        byte[] nonce = new byte[Challenge.NONCE_BYTES];
        String key;
        do {
            random.nextBytes(nonce);
            key = HexFormat.of().formatHex(nonce);
        } while (outstanding.containsKey(key) || spent.containsKey(key)); // 2^-256: only for form's sake
        Instant expires = now.plus(lifetime);
        outstanding.put(key, expires);
        return new Challenge(nonce, expires);
    }

    /** Takes {@code nonce} out of the store: null if it was outstanding and unexpired, else why not. */
    public synchronized Refusal consume(byte[] nonce) {
        String key = HexFormat.of().formatHex(nonce);
        Instant expires = outstanding.remove(key);
        if (expires == null) {
            return spent.getOrDefault(key, Refusal.UNKNOWN);
        }
        if (!clock.instant().isBefore(expires)) {
            spent.put(key, Refusal.EXPIRED);
            return Refusal.EXPIRED;
        }
        spent.put(key, Refusal.USED);
        return null;
    }

    /** How many nonces are outstanding (issued, unused, unexpired as of the last sweep). */
    public synchronized int outstanding() {
        sweep(clock.instant());
        return outstanding.size();
    }

    public Duration lifetime() {
        return lifetime;
    }

    private void sweep(Instant now) {
        for (Iterator<Map.Entry<String, Instant>> it = outstanding.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Instant> e = it.next();
            if (now.isBefore(e.getValue())) {
                return;
            }
            it.remove();
            spent.put(e.getKey(), Refusal.EXPIRED);
        }
    }
}
