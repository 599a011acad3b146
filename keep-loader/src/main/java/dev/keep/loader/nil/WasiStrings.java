package dev.keep.loader.nil;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * argv or environ as WASI hands it out: the strings, each UTF-8 and NUL-terminated, back to back,
 * and the offset of each in that block (the keep bakes the same block into its image).
 */
record WasiStrings(byte[] blob, int[] offsets) {
    static WasiStrings of(List<String> strings) {
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        int[] offsets = new int[strings.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = blob.size();
            blob.writeBytes(strings.get(i).getBytes(StandardCharsets.UTF_8));
            blob.write(0);
        }
        return new WasiStrings(blob.toByteArray(), offsets);
    }

    int count() {
        return offsets.length;
    }

    /** (count_ptr, buf_size_ptr): both checked before either is written. */
    long sizesGet(GuestMemory memory, long countPointer, long sizePointer) {
        if (!memory.contains(countPointer, 4) || !memory.contains(sizePointer, 4)) {
            return KeepWasiFunctions.ERRNO_FAULT;
        }
        memory.writeU32(countPointer, count());
        memory.writeU32(sizePointer, blob.length);
        return 0;
    }

    /** (pointers, buf): the block to buf, then buf + offset of each string to pointers. */
    long get(GuestMemory memory, long pointers, long buffer) {
        if (!memory.contains(pointers, 4L * count()) || !memory.contains(buffer, blob.length)) {
            return KeepWasiFunctions.ERRNO_FAULT;
        }
        memory.write(buffer, blob, 0, blob.length);
        for (int i = 0; i < count(); i++) {
            memory.writeU32(pointers + 4L * i, buffer + offsets[i]);
        }
        return 0;
    }
}
