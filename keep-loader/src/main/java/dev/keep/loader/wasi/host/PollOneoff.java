package dev.keep.loader.wasi.host;

import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.fs.WasiErrno;
import dev.keep.loader.wasi.net.HostSocket;
import dev.keep.loader.wasi.net.SocketPoll;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** poll_oneoff over one keep's fd table and clocks; subscriptions and events as WASI lays them out. */
final class PollOneoff {
    private static final int EVENTRWFLAG_HANGUP = 1;
    private static final int TAG_CLOCK = 0;
    private static final int TAG_FD_READ = 1;
    private static final int TAG_FD_WRITE = 2;

    private PollOneoff() {
    }

    /**
     * poll_oneoff. Socket subscriptions wait in one poll(2) call (fd_read: readable, or for a
     * listener a connection waiting; fd_write: writable). Files and the standard streams never
     * wait (a read of stdin may still block), so when one of them, or an fd that is not open
     * (badf), is subscribed, poll(2) only looks; otherwise it waits until the earliest clock
     * deadline, or without limit when no clock is subscribed. Every ready subscription and every
     * expired clock gets an event: 32 bytes of userdata, error, type, then for fd events the
     * bytes available (unknown: 0) and flags (hangup).
     */
    static WasiReply poll(byte[] subscriptions, FdTable fds, HostClocks clocks) throws FsException {
        int count = subscriptions.length / 48;
        if (count == 0) {
            throw new FsException(WasiErrno.INVAL, 0, "poll_oneoff without subscriptions would wait forever");
        }
        ByteBuffer in = ByteBuffer.wrap(subscriptions).order(ByteOrder.LITTLE_ENDIAN);
        long[] deadlines = new long[count];
        boolean[] immediate = new boolean[count];
        boolean anyImmediate = false;
        List<Integer> socketSubscriptions = new ArrayList<>();
        List<HostSocket> sockets = new ArrayList<>();
        List<SocketPoll.Interest> interests = new ArrayList<>();
        long now = clocks.monotonicNanos();
        long realNow = HostClocks.realtimeNanos();
        long earliest = Long.MAX_VALUE;
        // Clock deadlines on the host's monotonic clock; fd subscriptions get -1.
        for (int i = 0; i < count; i++) {
            int at = 48 * i;
            int tag = in.get(at + 8) & 0xFF;
            if (tag == TAG_CLOCK) {
                long id = Integer.toUnsignedLong(in.getInt(at + 16));
                long timeout = in.getLong(at + 24);
                boolean absolute = (in.getShort(at + 40) & 1) != 0;
                long base = id == HostClocks.MONOTONIC ? now : id == HostClocks.REALTIME ? realNow : -1;
                if (base < 0) {
                    throw HostClocks.unknown(id);
                }
                // Timeouts are u64: one above 2^63 arrives negative and means "never".
                long wait = timeout < 0 ? Long.MAX_VALUE : absolute ? timeout - base : timeout;
                long deadline = now + Math.max(0, wait);
                deadlines[i] = deadline < now ? Long.MAX_VALUE : deadline;
                earliest = Math.min(earliest, deadlines[i]);
            } else if (tag == TAG_FD_READ || tag == TAG_FD_WRITE) {
                deadlines[i] = -1;
                if (fds.get(Integer.toUnsignedLong(in.getInt(at + 16))) instanceof FdEntry.Socket s) {
                    socketSubscriptions.add(i);
                    sockets.add(s.socket);
                    interests.add(tag == TAG_FD_READ ? SocketPoll.Interest.READ
                            : SocketPoll.Interest.WRITE);
                } else {
                    immediate[i] = true;
                    anyImmediate = true;
                }
            } else {
                throw new FsException(WasiErrno.INVAL, 0, "subscription tag " + tag + " is unknown");
            }
        }
        HostSocket[] polled = sockets.toArray(HostSocket[]::new);
        SocketPoll.Interest[] wanted = interests.toArray(SocketPoll.Interest[]::new);
        while (true) {
            long timeout = anyImmediate ? 0 : earliest == Long.MAX_VALUE ? SocketPoll.FOREVER
                    : Math.max(0, earliest - (clocks.monotonicNanos()));
            SocketPoll.Readiness[] ready = SocketPoll.await(polled, wanted, timeout);
            long after = clocks.monotonicNanos();
            SocketPoll.Readiness[] bySubscription = new SocketPoll.Readiness[count];
            for (int k = 0; k < ready.length; k++) {
                bySubscription[socketSubscriptions.get(k)] = ready[k];
            }
            ByteBuffer events = ByteBuffer.allocate(32 * count).order(ByteOrder.LITTLE_ENDIAN);
            int n = 0;
            for (int i = 0; i < count; i++) {
                SocketPoll.Readiness socket = bySubscription[i];
                boolean clockExpired = deadlines[i] >= 0 && deadlines[i] <= after;
                if (!immediate[i] && !clockExpired && (socket == null || !socket.ready())) {
                    continue;
                }
                int at = 32 * n++;
                events.putLong(at, in.getLong(48 * i));
                short error = 0;
                if (immediate[i] && fds.get(Integer.toUnsignedLong(in.getInt(48 * i + 16))) == null) {
                    error = (short) WasiErrno.BADF.code();
                }
                events.putShort(at + 8, error);
                events.put(at + 10, in.get(48 * i + 8));
                if (socket != null && socket.hangup()) {
                    events.putShort(at + 24, (short) EVENTRWFLAG_HANGUP);
                }
            }
            if (n > 0) {
                return WasiReply.variable(new byte[0], Arrays.copyOf(events.array(), 32 * n));
            }
            // Nothing ready yet (a wait cut short before a deadline): wait for the rest.
        }
    }
}
