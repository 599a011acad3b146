package dev.keep.loader.kvm;

import dev.keep.kvm.GuestMemory;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.MemoryChunk;

/** Copies a keep image into guest memory; everything outside the image's chunks stays zero. */
public final class ImageLoader {
    private ImageLoader() {
    }

    /**
     * @throws IllegalArgumentException when the memory is not exactly the image's size (a bigger
     *     memory would give the keep physical pages its page map does not describe)
     */
    public static void load(KeepImage image, GuestMemory memory) {
        if (memory.size() != image.memorySize()) {
            throw new IllegalArgumentException(String.format(
                    "guest memory is %#x bytes, the keep image needs exactly %#x", memory.size(),
                    image.memorySize()));
        }
        for (MemoryChunk chunk : image.chunks()) {
            memory.write(chunk.address(), chunk.bytes());
        }
    }
}
