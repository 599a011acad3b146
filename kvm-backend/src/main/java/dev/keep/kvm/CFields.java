package dev.keep.kvm;

import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;

/**
 * Named fields of C structs in the kernel's fixed-width spelling ({@code __u8} .. {@code __u64},
 * arrays), for layouts whose member names are the C field names (see {@link CStruct}). Shared by every
 * module that describes a uAPI struct, so all of them read like the header they mirror.
 */
public final class CFields {
    private CFields() {}

    public static MemoryLayout u8(String name) {
        return JAVA_BYTE.withName(name);
    }

    public static MemoryLayout u16(String name) {
        return JAVA_SHORT.withName(name);
    }

    public static MemoryLayout u32(String name) {
        return JAVA_INT.withName(name);
    }

    public static MemoryLayout u64(String name) {
        return JAVA_LONG.withName(name);
    }

    public static MemoryLayout array(String name, long count, MemoryLayout element) {
        return sequenceLayout(count, element).withName(name);
    }
}
