package dev.keep.kvm;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.util.Objects;

/**
 * A C struct as the Java side sees it: its C tag (e.g. {@code kvm_regs}) and its layout, whose
 * member names are the C field names. This pairing is what lets the ABI test turn every layout
 * into {@code sizeof}/{@code offsetof} expressions without a hand-kept list.
 *
 * <p>Naming conventions inside a layout:
 * <ul>
 *   <li>a named member is a C field of that name (arrays are sequence layouts);
 *   <li>an unnamed padding layout is padding the C compiler inserts implicitly;
 *   <li>a member whose name starts with {@value #ANONYMOUS_PREFIX} is an anonymous C struct or
 *       union: its fields belong to the enclosing C struct. The rest of the name only serves
 *       Java path lookups.
 * </ul>
 */
public record CStruct(String cName, GroupLayout layout) {

    /** Prefix that marks an anonymous struct/union; no C identifier can contain a space. */
    public static final String ANONYMOUS_PREFIX = "anonymous ";

    public CStruct {
        Objects.requireNonNull(cName, "cName");
        Objects.requireNonNull(layout, "layout");
    }

    /** Names a member layout as an anonymous C struct or union. */
    static <L extends MemoryLayout> MemoryLayout anonymous(String javaName, L layout) {
        return layout.withName(ANONYMOUS_PREFIX + javaName);
    }

    /** True when this member stands for an anonymous C struct or union. */
    public static boolean isAnonymous(MemoryLayout member) {
        return member.name().map(n -> n.startsWith(ANONYMOUS_PREFIX)).orElse(false);
    }
}
