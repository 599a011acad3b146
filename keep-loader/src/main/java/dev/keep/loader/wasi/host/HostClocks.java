package dev.keep.loader.wasi.host;

import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.fs.WasiErrno;
import java.time.Instant;

/**
 * The two WASI clocks a keep gets from its host: realtime (the host's wall clock) and monotonic
 * (nanoseconds since this keep's handler was made). The process and thread CPU-time clocks are not
 * provided: the host's CPU time says nothing true about a keep's, so they answer {@code inval}.
 */
final class HostClocks {
    static final int REALTIME = 0;
    static final int MONOTONIC = 1;

    private final long monotonicOrigin = System.nanoTime();

    /** clock_res_get: what the host's clocks resolve (Instant's microseconds, nanoTime's nanoseconds). */
    static long resolution(long id) throws FsException {
        if (id == REALTIME) {
            return 1_000;
        }
        if (id == MONOTONIC) {
            return 1;
        }
        throw unknown(id);
    }

    /** clock_time_get. */
    long time(long id) throws FsException {
        if (id == REALTIME) {
            return realtimeNanos();
        }
        if (id == MONOTONIC) {
            return monotonicNanos();
        }
        throw unknown(id);
    }

    long monotonicNanos() {
        return System.nanoTime() - monotonicOrigin;
    }

    static long realtimeNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    static FsException unknown(long id) {
        return new FsException(WasiErrno.INVAL, 0, "clock " + id + " is not provided");
    }
}
