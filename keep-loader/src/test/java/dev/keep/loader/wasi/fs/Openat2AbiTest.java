package dev.keep.loader.wasi.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.testsupport.CProgram;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares every constant of {@link FsConstants} and every size and field offset of the structs in
 * {@link FsStructs} with what gcc computes from the system headers ({@code <linux/openat2.h>},
 * {@code <fcntl.h>}, {@code <sys/stat.h>}, {@code <errno.h>}, {@code <sys/syscall.h>}). The C
 * program is generated from the Java definitions, so a new constant is checked without editing
 * this test. A macro the headers lack (e.g. very old headers without {@code <linux/openat2.h>})
 * is compared with the value documented in openat2(2) instead, listed in {@link #DOCUMENTED}.
 */
class Openat2AbiTest {

    /** From openat2(2) and the Linux uAPI: used only where the installed headers lack a macro. */
    private static final Map<String, Long> DOCUMENTED = Map.of(
            "const SYS_openat2", 437L,
            "const RESOLVE_NO_XDEV", 0x01L,
            "const RESOLVE_NO_MAGICLINKS", 0x02L,
            "const RESOLVE_NO_SYMLINKS", 0x04L,
            "const RESOLVE_BENEATH", 0x08L,
            "const RESOLVE_IN_ROOT", 0x10L,
            "sizeof open_how", 24L);

    private record Check(String key, String cExpression, long javaValue, String guardMacro) {}

    @Test
    void javaMatchesTheSystemHeaders(@TempDir Path work) throws Exception {
        List<Check> checks = new ArrayList<>();
        for (StructLayout struct : FsStructs.ALL) {
            String name = struct.name().orElseThrow();
            String guard = name.equals("open_how") ? "KEEP_HAVE_OPENAT2_H" : null;
            checks.add(new Check("sizeof " + name, "sizeof(struct " + name + ")",
                    struct.byteSize(), guard));
            addMembers(name, "", struct, 0, guard, checks);
        }
        for (Field field : FsConstants.class.getFields()) {
            int modifiers = field.getModifiers();
            if (Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers)
                    && (field.getType() == int.class || field.getType() == long.class)) {
                checks.add(new Check("const " + field.getName(), field.getName(),
                        ((Number) field.get(null)).longValue(), field.getName()));
            }
        }

        Map<String, String> printed = runCProgram(work, checks);
        List<String> mismatches = new ArrayList<>();
        int fromHeaders = 0;
        for (Check check : checks) {
            String value = printed.get(check.key());
            if (value == null) {
                mismatches.add(check.key() + ": the C program printed nothing");
            } else if (value.equals("absent")) {
                Long documented = DOCUMENTED.get(check.key());
                if (documented == null && check.key().startsWith("offsetof open_how")) {
                    documented = (long) FsStructs.OPEN_HOW.memberLayouts().stream()
                            .map(m -> m.name().orElseThrow()).toList()
                            .indexOf(check.key().substring("offsetof open_how.".length())) * 8;
                }
                if (documented == null) {
                    mismatches.add(check.key() + ": not in the system headers, nothing documented");
                } else if (documented != check.javaValue()) {
                    mismatches.add(check.key() + ": Java " + check.javaValue() + ", documented "
                            + documented);
                }
            } else {
                fromHeaders++;
                if (Long.parseUnsignedLong(value) != check.javaValue()) {
                    mismatches.add(check.key() + ": Java " + check.javaValue() + ", C " + value);
                }
            }
        }
        assertTrue(mismatches.isEmpty(), "Java differs from the C headers:\n  "
                + String.join("\n  ", mismatches));
        assertEquals(checks.size(), fromHeaders, "every value should come from this machine's"
                + " headers (linux-libc-dev has <linux/openat2.h>)");
    }

    private static void addMembers(String struct, String prefix, GroupLayout group, long base,
            String guard, List<Check> checks) {
        for (MemoryLayout member : group.memberLayouts()) {
            if (member instanceof PaddingLayout) {
                continue;
            }
            String name = member.name().orElseThrow();
            String path = prefix.isEmpty() ? name : prefix + "." + name;
            long offset = base + group.byteOffset(MemoryLayout.PathElement.groupElement(name));
            checks.add(new Check("offsetof " + struct + "." + path,
                    "offsetof(struct " + struct + ", " + path + ")", offset, guard));
            checks.add(new Check("sizeof " + struct + "." + path,
                    "sizeof(((struct " + struct + " *) 0)->" + path + ")", member.byteSize(), guard));
            if (member instanceof GroupLayout nested) {
                addMembers(struct, path, nested, offset, guard, checks);
            }
        }
    }

    private static Map<String, String> runCProgram(Path work, List<Check> checks) {
        StringBuilder source = new StringBuilder("""
                #define _GNU_SOURCE
                #include <stddef.h>
                #include <stdio.h>
                #include <errno.h>
                #include <fcntl.h>
                #include <sys/stat.h>
                #include <sys/syscall.h>
                #include <linux/limits.h>
                #if __has_include(<linux/openat2.h>)
                #include <linux/openat2.h>
                #define KEEP_HAVE_OPENAT2_H 1
                #endif

                int main(void) {
                """);
        for (Check check : checks) {
            String print = "    printf(\"%s %llu\\n\", \"" + check.key() + "\", "
                    + "(unsigned long long) (" + check.cExpression() + "));\n";
            if (check.guardMacro() == null) {
                source.append(print);
            } else {
                source.append("#ifdef ").append(check.guardMacro()).append('\n').append(print)
                        .append("#else\n    puts(\"").append(check.key()).append(" absent\");\n")
                        .append("#endif\n");
            }
        }
        source.append("    return 0;\n}\n");
        return CProgram.keyValues(work, "openat2_abi", source.toString());
    }
}
