package dev.keep.loader.wasi.net;

import static dev.keep.loader.wasi.net.NetConstants.AF_INET;
import static dev.keep.loader.wasi.net.NetConstants.AF_INET6;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/** struct sockaddr_in and sockaddr_in6, written and read by hand (the port is big-endian). */
final class SocketAddresses {
    private SocketAddresses() {}

    private static final ValueLayout.OfShort PORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort FAMILY = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt SCOPE = ValueLayout.JAVA_INT_UNALIGNED;
    /** Large enough for any address family (sizeof struct sockaddr_storage). */
    static final int STORAGE_BYTES = 128;

    static int family(InetAddress address) {
        return address instanceof Inet6Address ? AF_INET6 : AF_INET;
    }

    /** The address as the kernel takes it: 16 bytes for IPv4, 28 for IPv6. */
    static MemorySegment of(Arena arena, InetAddress address, int port) {
        byte[] raw = address.getAddress();
        if (address instanceof Inet4Address) {
            MemorySegment s = arena.allocate(16);
            s.set(FAMILY, 0, (short) AF_INET);
            s.set(PORT, 2, (short) port);
            MemorySegment.copy(raw, 0, s, ValueLayout.JAVA_BYTE, 4, 4);
            return s;
        }
        MemorySegment s = arena.allocate(28);
        s.set(FAMILY, 0, (short) AF_INET6);
        s.set(PORT, 2, (short) port);
        MemorySegment.copy(raw, 0, s, ValueLayout.JAVA_BYTE, 8, 16);
        s.set(SCOPE, 24, ((Inet6Address) address).getScopeId());
        return s;
    }

    /** Reads what getsockname wrote; null for a family other than IPv4 and IPv6. */
    static InetSocketAddress read(MemorySegment s) {
        int family = s.get(FAMILY, 0);
        int port = Short.toUnsignedInt(s.get(PORT, 2));
        try {
            if (family == AF_INET) {
                return new InetSocketAddress(InetAddress.getByAddress(
                        s.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE)), port);
            }
            if (family == AF_INET6) {
                return new InetSocketAddress(InetAddress.getByAddress(
                        s.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE)), port);
            }
        } catch (UnknownHostException impossible) {
            // getByAddress fails only for a wrong length, and the lengths are fixed above.
            throw new IllegalStateException(impossible);
        }
        return null;
    }
}
