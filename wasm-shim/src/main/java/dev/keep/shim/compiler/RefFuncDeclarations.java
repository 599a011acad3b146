package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Element;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Global;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.OpCode;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A workaround for Chicory 1.7.5's validator, which calls a function's {@code ref.func} of itself
 * "undeclared" when only an active element segment declares it (the spec's C.refs holds every
 * function named outside function bodies: in any element segment, an export or a global's
 * initializer). This computes exactly that set from the module and appends one declarative element
 * segment naming it, so Chicory validates the patched bytes against the spec's own rule: a module
 * whose ref.func is truly undeclared stays invalid. A declarative segment has no effect at run time
 * (it is dropped at instantiation), and it goes last, so no existing segment index changes. The
 * other direction, a ref.func that is truly undeclared, Chicory lets pass; {@link ModuleChecks}
 * refuses it with the same set.
 */
final class RefFuncDeclarations {
    private static final int ELEMENT_SECTION = 9;
    /** Sections that must follow the element section: code, data and data count. */
    private static final List<Integer> AFTER_ELEMENTS = List.of(10, 11, 12);
    private static final int DECLARATIVE_FUNCTION_INDICES = 3;

    private RefFuncDeclarations() {
    }

    /** The bytes with the declarative segment added, or empty when the module declares nothing. */
    static Optional<byte[]> patch(byte[] bytes, WasmModule unvalidated) {
        TreeSet<Long> refs = declared(unvalidated);
        if (refs.isEmpty()) {
            return Optional.empty();
        }
        ByteArrayOutputStream segment = new ByteArrayOutputStream();
        segment.write(DECLARATIVE_FUNCTION_INDICES);
        segment.write(0x00); // elemkind funcref
        writeU32(segment, refs.size());
        refs.forEach(f -> writeU32(segment, f));
        return Optional.of(withSegment(bytes, segment.toByteArray()));
    }

    /** The spec's C.refs: function indices named in element segments, exports and global initializers. */
    static TreeSet<Long> declared(WasmModule module) {
        TreeSet<Long> refs = new TreeSet<>();
        for (Element element : module.elementSection().elements()) {
            element.initializers().forEach(expr -> addRefFuncs(expr, refs));
        }
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            Export export = module.exportSection().getExport(i);
            if (export.exportType() == ExternalType.FUNCTION) {
                refs.add((long) export.index());
            }
        }
        for (Global global : module.globalSection().globals()) {
            addRefFuncs(global.initInstructions(), refs);
        }
        return refs;
    }

    private static void addRefFuncs(List<Instruction> expr, TreeSet<Long> refs) {
        for (Instruction ins : expr) {
            if (ins.opcode() == OpCode.REF_FUNC) {
                refs.add(ins.operand(0));
            }
        }
    }

    /** Appends the segment to the element section, or adds an element section where one belongs. */
    private static byte[] withSegment(byte[] bytes, byte[] segment) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes, 0, 8);
        int at = 8;
        boolean written = false;
        while (at < bytes.length) {
            int id = bytes[at] & 0xFF;
            long[] size = readU32(bytes, at + 1);
            int contentStart = (int) size[1];
            int contentEnd = Math.addExact(contentStart, (int) size[0]);
            if (contentEnd > bytes.length) {
                throw new CompileException("malformed module: section " + id + " runs past the end");
            }
            if (!written && id == ELEMENT_SECTION) {
                long[] count = readU32(bytes, contentStart);
                ByteArrayOutputStream content = new ByteArrayOutputStream();
                writeU32(content, count[0] + 1);
                content.write(bytes, (int) count[1], contentEnd - (int) count[1]);
                content.writeBytes(segment);
                writeSection(out, ELEMENT_SECTION, content.toByteArray());
                written = true;
            } else {
                if (!written && AFTER_ELEMENTS.contains(id)) {
                    writeSection(out, ELEMENT_SECTION, single(segment));
                    written = true;
                }
                out.write(bytes, at, contentEnd - at);
            }
            at = contentEnd;
        }
        if (!written) {
            writeSection(out, ELEMENT_SECTION, single(segment));
        }
        return out.toByteArray();
    }

    private static byte[] single(byte[] segment) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        writeU32(content, 1);
        content.writeBytes(segment);
        return content.toByteArray();
    }

    private static void writeSection(ByteArrayOutputStream out, int id, byte[] content) {
        out.write(id);
        writeU32(out, content.length);
        out.writeBytes(content);
    }

    private static void writeU32(ByteArrayOutputStream out, long value) {
        long v = value;
        do {
            int b = (int) (v & 0x7F);
            v >>>= 7;
            out.write(v == 0 ? b : b | 0x80);
        } while (v != 0);
    }

    /** {value, offset after it} of the unsigned LEB128 at offset. */
    private static long[] readU32(byte[] bytes, int offset) {
        return Leb128.read(bytes, offset, false, 5, "malformed module: bad LEB128");
    }
}
