package dev.keep.shim.link;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A WASI string vector (argv or environ) as it is baked into the data region: the strings, each
 * NUL-terminated, back to back (copied as one block into the app's buffer), and the offset of each
 * string in that block (added to the buffer address to make the app's pointers).
 */
record BakedStrings(int count, byte[] blob, int[] offsets) {
    static BakedStrings of(List<String> strings) {
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        int[] offsets = new int[strings.size()];
        for (int i = 0; i < offsets.length; i++) {
            String s = strings.get(i);
            if (s.indexOf('\0') >= 0) {
                throw new LinkException("argument or environment entry " + i + " contains a NUL byte");
            }
            offsets[i] = blob.size();
            blob.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            blob.write(0);
        }
        return new BakedStrings(offsets.length, blob.toByteArray(), offsets);
    }

    /** Places the blob and the offset table in {@code data}. */
    Placed place(DataRegion data) {
        long blobAddress = data.put(blob, 16);
        long offsetsAddress = data.reserve(4L * Math.max(1, count), 8);
        for (int i = 0; i < count; i++) {
            data.putInt(offsetsAddress + 4L * i, offsets[i]);
        }
        return new Placed(this, blobAddress, offsetsAddress);
    }

    record Placed(BakedStrings strings, long blobAddress, long offsetsAddress) {
    }
}
