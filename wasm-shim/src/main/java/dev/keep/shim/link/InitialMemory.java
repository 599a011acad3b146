package dev.keep.shim.link;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The initial contents of linear memory: the active data segments applied in order (a later one
 * overwrites an earlier one where they overlap, as instantiation does), kept as disjoint runs
 * because the image builder takes non-overlapping segments.
 */
final class InitialMemory {
    private final TreeMap<Long, byte[]> runs = new TreeMap<>();

    void apply(long offset, byte[] bytes) {
        if (bytes.length == 0) {
            return;
        }
        long start = offset;
        long end = offset + bytes.length;
        List<Map.Entry<Long, byte[]>> touched = new ArrayList<>();
        Map.Entry<Long, byte[]> before = runs.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue().length >= offset) {
            touched.add(before);
        }
        touched.addAll(runs.subMap(offset, false, end, true).entrySet());
        for (var run : touched) {
            start = Math.min(start, run.getKey());
            end = Math.max(end, run.getKey() + run.getValue().length);
        }
        byte[] merged = new byte[Math.toIntExact(end - start)];
        for (var run : List.copyOf(touched)) {
            System.arraycopy(run.getValue(), 0, merged, (int) (run.getKey() - start), run.getValue().length);
            runs.remove(run.getKey());
        }
        System.arraycopy(bytes, 0, merged, (int) (offset - start), bytes.length);
        runs.put(start, merged);
    }

    /** Disjoint runs in address order. */
    Map<Long, byte[]> runs() {
        return runs;
    }
}
