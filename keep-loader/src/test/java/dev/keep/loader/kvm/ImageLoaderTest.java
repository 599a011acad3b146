package dev.keep.loader.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keep.kvm.GuestMemory;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.KeepLayout;
import dev.keep.shim.image.MemoryChunk;
import org.junit.jupiter.api.Test;

/** Loads images into real (mmap'd) guest memory; no /dev/kvm is involved. */
class ImageLoaderTest {
    @Test
    void imageBytesLandAtTheirGuestPhysicalAddresses() throws Exception {
        KeepImage image = KeepImage.builder().code(new byte[] {1, 2, 3}, 0)
                .data(new byte[] {4, 5}, 4096).linearMemory(1 << 21)
                .linearMemoryData(100, new byte[] {6, 7, 8}).build();
        try (GuestMemory ram = GuestMemory.allocate(image.memorySize(), GuestMemory.Options.PLAIN)) {
            ImageLoader.load(image, ram);
            for (MemoryChunk chunk : image.chunks()) {
                assertArrayEquals(chunk.bytes(), ram.read(chunk.address(), chunk.bytes().length));
            }
            // Spot checks against the image's own view, including zero memory between chunks.
            for (long gpa = 0; gpa < image.memorySize(); gpa += 0x1_1000) {
                assertArrayEquals(image.read(gpa, 64), ram.read(gpa, 64), Long.toHexString(gpa));
            }
            assertArrayEquals(image.read(KeepLayout.GDT_ADDRESS, 80),
                    ram.read(KeepLayout.GDT_ADDRESS, 80));
        }
    }

    @Test
    void memoryOfAnotherSizeIsRefused() throws Exception {
        KeepImage image = KeepImage.builder().code(new byte[] {1}, 0).build();
        try (GuestMemory ram = GuestMemory.allocate(image.memorySize() + 4096,
                GuestMemory.Options.PLAIN)) {
            assertThrows(IllegalArgumentException.class, () -> ImageLoader.load(image, ram));
        }
    }
}
