package dev.keep.sev;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * CPUID through the Linux cpuid driver: reading 16 bytes of {@code /dev/cpu/N/cpuid} at offset
 * {@code leaf | subleaf << 32} runs CPUID on CPU N and returns eax, ebx, ecx, edx. Needs the cpuid
 * module and read access to the device (normally root).
 */
public final class DevCpuidSource implements CpuidSource {

    private final Path device;

    public DevCpuidSource(Path device) {
        this.device = device;
    }

    /** CPU 0's device on the running system. */
    public static DevCpuidSource cpu0() {
        return new DevCpuidSource(Path.of("/dev/cpu/0/cpuid"));
    }

    @Override
    public int[] cpuid(int leaf, int subleaf) {
        long offset = (leaf & 0xFFFF_FFFFL) | ((subleaf & 0xFFFF_FFFFL) << 32);
        ByteBuffer out = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(device, StandardOpenOption.READ)) {
            while (out.hasRemaining()) {
                if (channel.read(out, offset + out.position()) < 0) {
                    throw new IOException("short read");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run CPUID through " + device + ": " + e.getMessage(), e);
        }
        return new int[] {out.getInt(0), out.getInt(4), out.getInt(8), out.getInt(12)};
    }
}
