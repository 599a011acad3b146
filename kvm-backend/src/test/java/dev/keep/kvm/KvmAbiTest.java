package dev.keep.kvm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.keep.testsupport.CProgram;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks every struct size, alignment, field offset and field size, every ioctl number and every
 * constant the Java side uses against the system's C headers: the test generates a C program from
 * the Java definitions themselves (so a newly added field or constant is checked without editing
 * this test), compiles it with gcc and compares the numbers it prints.
 *
 * <p>Older headers (this machine has linux-libc-dev 6.1) lack the Linux 6.8+ structs and macros
 * for guest_memfd and memory attributes. For those the C program declares the structs itself from
 * the documented layout in shared/reference/sev-snp.md §1.2 (gcc still applies the real C layout
 * rules to them), and the macros a header lacks are compared with the documented values in
 * {@link #DOCUMENTED}. With newer headers the header's own definitions are used automatically.
 */
class KvmAbiTest {

    /**
     * Values documented in sev-snp.md §1.1-1.2 (computed there with {@code <linux/ioctl.h>} from
     * qemu's verbatim copy of the Linux 6.11+ uAPI headers). Used only where the installed
     * headers do not define the macro.
     */
    private static final Map<String, Long> DOCUMENTED = Map.ofEntries(
            Map.entry("ioctl KVM_SET_USER_MEMORY_REGION2", 0x40A0AE49L),
            Map.entry("ioctl KVM_SET_MEMORY_ATTRIBUTES", 0x4020AED2L),
            Map.entry("ioctl KVM_CREATE_GUEST_MEMFD", 0xC040AED4L),
            Map.entry("ioctl KVM_MEMORY_ENCRYPT_OP", 0xC008AEBAL),
            Map.entry("const KVM_CAP_USER_MEMORY2", 231L),
            Map.entry("const KVM_CAP_MEMORY_ATTRIBUTES", 233L),
            Map.entry("const KVM_CAP_GUEST_MEMFD", 234L),
            Map.entry("const KVM_CAP_VM_TYPES", 235L),
            Map.entry("const KVM_MEM_GUEST_MEMFD", 1L << 2),
            Map.entry("const KVM_MEMORY_ATTRIBUTE_PRIVATE", 1L << 3),
            Map.entry("const KVM_X86_DEFAULT_VM", 0L),
            Map.entry("const KVM_X86_SNP_VM", 4L),
            Map.entry("const KVM_EXIT_MEMORY_FAULT", 39L),
            Map.entry("sizeof kvm_userspace_memory_region2", 160L),
            Map.entry("sizeof kvm_create_guest_memfd", 64L),
            Map.entry("sizeof kvm_memory_attributes", 32L));

    /**
     * Struct declarations transcribed from sev-snp.md §1.2, each guarded by the ioctl macro that
     * arrived with it, so they are used only when the installed headers predate them.
     */
    private static final String DOCUMENTED_STRUCTS = """
            #ifndef KVM_SET_USER_MEMORY_REGION2
            struct kvm_userspace_memory_region2 {
                __u32 slot; __u32 flags; __u64 guest_phys_addr; __u64 memory_size;
                __u64 userspace_addr; __u64 guest_memfd_offset; __u32 guest_memfd; __u32 pad1;
                __u64 pad2[14];
            };
            #define KEEP_DOCUMENTED_kvm_userspace_memory_region2 1
            #endif
            #ifndef KVM_CREATE_GUEST_MEMFD
            struct kvm_create_guest_memfd { __u64 size; __u64 flags; __u64 reserved[6]; };
            #define KEEP_DOCUMENTED_kvm_create_guest_memfd 1
            #endif
            #ifndef KVM_SET_MEMORY_ATTRIBUTES
            struct kvm_memory_attributes {
                __u64 address; __u64 size; __u64 attributes; __u64 flags;
            };
            #define KEEP_DOCUMENTED_kvm_memory_attributes 1
            #endif
            """;

    /** One number to compare: a key, the C expression computing it, the Java value. */
    private record Check(String key, String cExpression, long javaValue, String guardMacro) {}

    @BeforeAll
    static void findHeaders() {
        if (!Files.exists(Path.of("/usr/include/linux/kvm.h"))) {
            fail("/usr/include/linux/kvm.h is missing: install the kernel uAPI headers"
                    + " (Debian: apt-get install linux-libc-dev)");
        }
    }

    @Test
    void everyStructLayoutIsListedInAll() throws IllegalAccessException {
        Set<String> listed = new TreeSet<>();
        for (CStruct struct : KvmStructs.ALL) {
            listed.add(struct.cName());
            assertEquals(struct.cName(), struct.layout().name().orElseThrow(),
                    "layout name must be the C struct name");
        }
        Set<String> declared = new TreeSet<>();
        for (Field field : KvmStructs.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.get(null) instanceof StructLayout l) {
                declared.add(l.name().orElseThrow(() -> new AssertionError(
                        field.getName() + " has no name")));
            }
        }
        assertEquals(declared, listed, "every public struct layout must be in KvmStructs.ALL");
    }

    @Test
    void javaMatchesTheSystemHeaders(@TempDir Path work) throws Exception {
        List<Check> checks = new ArrayList<>();
        for (CStruct struct : KvmStructs.ALL) {
            addStructChecks(struct, checks);
        }
        for (KvmIoctl ioctl : KvmIoctl.values()) {
            checks.add(new Check("ioctl " + ioctl.name(), ioctl.name(), ioctl.number(),
                    ioctl.name()));
        }
        addConstantChecks(KvmConstants.class, checks);
        addConstantChecks(LibcConstants.class, checks);

        Comparison result = compare(work, KvmStructs.ALL, checks);

        assertTrue(result.mismatches().isEmpty(), "Java ABI differs from <linux/kvm.h>:\n  "
                + String.join("\n  ", result.mismatches()));
        // Sanity: the bulk really came from the compiler, not from the documented fallback.
        assertTrue(result.fromHeaders() > checks.size() * 9 / 10, "only " + result.fromHeaders()
                + " of " + checks.size() + " values came from the headers");
    }

    /** The comparison must catch a wrong layout: a kvm_dtable whose limit is 32 bits wide. */
    @Test
    void aWrongLayoutIsReported(@TempDir Path work) throws Exception {
        StructLayout wrong = MemoryLayout.structLayout(
                java.lang.foreign.ValueLayout.JAVA_LONG.withName("base"),
                java.lang.foreign.ValueLayout.JAVA_INT.withName("limit"),
                MemoryLayout.sequenceLayout(2, java.lang.foreign.ValueLayout.JAVA_SHORT)
                        .withName("padding")).withName("kvm_dtable");
        CStruct struct = new CStruct("kvm_dtable", wrong);
        List<Check> checks = new ArrayList<>();
        addStructChecks(struct, checks);

        List<String> mismatches = compare(work, List.of(struct), checks).mismatches();

        assertEquals(List.of(
                "sizeof kvm_dtable.limit: Java 4 (0x4), C 2 (0x2)",
                "offsetof kvm_dtable.padding: Java 12 (0xc), C 10 (0xa)",
                "sizeof kvm_dtable.padding: Java 4 (0x4), C 6 (0x6)"), mismatches);
    }

    private record Comparison(List<String> mismatches, int fromHeaders) {}

    private static Comparison compare(Path work, List<CStruct> structs, List<Check> checks) {
        Map<String, String> c = runCProgram(work, structs, checks);
        List<String> mismatches = new ArrayList<>();
        int fromHeaders = 0;
        for (Check check : checks) {
            String printed = c.get(check.key());
            if (printed == null) {
                mismatches.add(check.key() + ": the C program printed nothing");
            } else if (printed.equals("absent")) {
                Long documented = DOCUMENTED.get(check.key());
                if (documented == null) {
                    mismatches.add(check.key() + ": not defined by the system headers and no"
                            + " documented value to check against");
                } else if (documented != check.javaValue()) {
                    mismatches.add(check.key() + ": Java " + hex(check.javaValue())
                            + ", documented " + hex(documented));
                }
            } else {
                fromHeaders++;
                long value = Long.parseUnsignedLong(printed);
                if (value != check.javaValue()) {
                    mismatches.add(check.key() + ": Java " + hex(check.javaValue()) + ", C "
                            + hex(value));
                }
            }
        }
        // Structs the headers lack were compiled from the documented declaration: hold them to
        // the documented sizes as well.
        for (CStruct struct : structs) {
            if ("documented".equals(c.get("source " + struct.cName()))) {
                Long size = DOCUMENTED.get("sizeof " + struct.cName());
                if (size == null || size != struct.layout().byteSize()) {
                    mismatches.add("sizeof " + struct.cName() + ": Java "
                            + struct.layout().byteSize() + ", documented " + size);
                }
            }
        }
        return new Comparison(mismatches, fromHeaders);
    }

    /** sizeof/_Alignof of the struct, then offsetof and sizeof of every named field. */
    private static void addStructChecks(CStruct struct, List<Check> checks) {
        String type = "struct " + struct.cName();
        checks.add(new Check("sizeof " + struct.cName(), "sizeof(" + type + ")",
                struct.layout().byteSize(), null));
        checks.add(new Check("alignof " + struct.cName(), "_Alignof(" + type + ")",
                struct.layout().byteAlignment(), null));
        addMemberChecks(struct.cName(), "", struct.layout(), 0, checks);
    }

    private static void addMemberChecks(String struct, String prefix, GroupLayout group,
            long base, List<Check> checks) {
        long running = base;
        for (MemoryLayout member : group.memberLayouts()) {
            long offset = group instanceof StructLayout ? running : base;
            if (group instanceof StructLayout && member.name().isPresent()) {
                // Cross-check our running sum against FFM's own offset computation.
                assertEquals(offset - base, group.byteOffset(groupElement(member.name().get())));
            }
            if (member instanceof PaddingLayout) {
                running += member.byteSize();
                continue;
            }
            String name = member.name().orElseThrow(
                    () -> new AssertionError("unnamed non-padding member in " + struct));
            if (CStruct.isAnonymous(member)) {
                addMemberChecks(struct, prefix, (GroupLayout) member, offset, checks);
            } else {
                String path = prefix.isEmpty() ? name : prefix + "." + name;
                String type = "struct " + struct;
                checks.add(new Check("offsetof " + struct + "." + path,
                        "offsetof(" + type + ", " + path + ")", offset, null));
                boolean flexibleArray = member instanceof SequenceLayout s && s.elementCount() == 0;
                if (!flexibleArray) {
                    checks.add(new Check("sizeof " + struct + "." + path,
                            "sizeof(((" + type + " *) 0)->" + path + ")", member.byteSize(), null));
                }
                if (member instanceof GroupLayout nested) {
                    addMemberChecks(struct, path, nested, offset, checks);
                } else if (member instanceof SequenceLayout s && s.elementCount() > 0
                        && s.elementLayout() instanceof GroupLayout element) {
                    addMemberChecks(struct, path + "[0]", element, offset, checks);
                }
            }
            running += member.byteSize();
        }
    }

    /** Every public static final int/long field, named like its C macro. */
    private static void addConstantChecks(Class<?> holder, List<Check> checks)
            throws IllegalAccessException {
        for (Field field : holder.getFields()) {
            int modifiers = field.getModifiers();
            if (!Modifier.isStatic(modifiers) || !Modifier.isFinal(modifiers)) {
                continue;
            }
            if (field.getType() == int.class || field.getType() == long.class) {
                long value = ((Number) field.get(null)).longValue();
                checks.add(new Check("const " + field.getName(), field.getName(), value,
                        field.getName()));
            }
        }
    }

    private static Map<String, String> runCProgram(Path work, List<CStruct> structs,
            List<Check> checks) {
        StringBuilder source = new StringBuilder("""
                #define _GNU_SOURCE
                #include <stddef.h>
                #include <stdio.h>
                #include <errno.h>
                #include <fcntl.h>
                #include <sys/eventfd.h>
                #include <sys/mman.h>
                #include <linux/kvm.h>
                #include <linux/kvm_para.h>

                """);
        source.append(DOCUMENTED_STRUCTS);
        source.append("\nint main(void) {\n");
        for (CStruct struct : structs) {
            String marker = "KEEP_DOCUMENTED_" + struct.cName();
            source.append("#ifdef ").append(marker).append('\n')
                    .append("    puts(\"source ").append(struct.cName()).append(" documented\");\n")
                    .append("#else\n")
                    .append("    puts(\"source ").append(struct.cName()).append(" header\");\n")
                    .append("#endif\n");
        }
        for (Check check : checks) {
            String print = "    printf(\"%s %llu\\n\", \"" + check.key() + "\", "
                    + "(unsigned long long) (" + check.cExpression() + "));\n";
            if (check.guardMacro() == null) {
                source.append(print);
            } else {
                source.append("#ifdef ").append(check.guardMacro()).append('\n').append(print)
                        .append("#else\n")
                        .append("    puts(\"").append(check.key()).append(" absent\");\n")
                        .append("#endif\n");
            }
        }
        source.append("    return 0;\n}\n");
        return CProgram.keyValues(work, "abi", source.toString());
    }

    private static String hex(long value) {
        return value + " (0x" + Long.toHexString(value) + ")";
    }
}
