package dev.keep.shim.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.shim.abi.HostcallAbi;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disassembles the ring-0 stubs exactly as they sit in the image with GNU objdump and checks they
 * use only general-purpose instructions the PVM ring-0 emulator handles.
 */
class Ring0StubsDisassemblyTest {
    /** Everything the stubs may contain; anything else (SSE, AVX, string ops, xgetbv...) fails. */
    private static final Set<String> ALLOWED = Set.of(
            "push", "pushq", "pop", "jmp", "mov", "movabs", "add", "addq", "out", "hlt");

    record Instruction(long address, String mnemonic, String operands) {
    }

    private static List<Instruction> disassemble(byte[] code, Path dir)
            throws IOException, InterruptedException {
        Path bin = dir.resolve("stubs.bin");
        Files.write(bin, code);
        Process p = new ProcessBuilder("objdump", "-D", "-b", "binary", "-mi386:x86-64",
                "--adjust-vma=" + KeepLayout.STUBS_ADDRESS, bin.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "objdump hung");
        assertEquals(0, p.exitValue(), out);
        List<Instruction> list = new ArrayList<>();
        for (String line : out.split("\n")) {
            // "   16000:\t6a 00                \tpush   $0x0"
            String[] cols = line.split("\t");
            if (cols.length < 3 || !cols[0].trim().endsWith(":")) {
                continue;
            }
            String text = cols[2].trim();
            int space = text.indexOf(' ');
            String mnemonic = space < 0 ? text : text.substring(0, space);
            String operands = space < 0 ? "" : text.substring(space).trim();
            long address = Long.parseLong(cols[0].trim().replace(":", ""), 16);
            list.add(new Instruction(address, mnemonic, operands));
        }
        return list;
    }

    @Test
    void stubsUseOnlyGeneralPurposeInstructions(@TempDir Path dir) throws Exception {
        KeepImage image = TestImages.typical().build();
        byte[] code = image.read(KeepLayout.STUBS_ADDRESS, image.ring0StubsLength());
        List<Instruction> instructions = disassemble(code, dir);
        assertTrue(instructions.size() > 32 * 2, "stub count");
        Set<String> used = new TreeSet<>();
        for (Instruction insn : instructions) {
            String what = String.format("%#x: %s %s", insn.address(), insn.mnemonic(),
                    insn.operands());
            assertTrue(ALLOWED.contains(insn.mnemonic()), "not allowed in ring 0: " + what);
            assertFalse(insn.operands().matches(".*%[xyz]mm.*|.*%k[0-7].*|.*%st.*"),
                    "vector/x87 register: " + what);
            assertFalse(insn.mnemonic().startsWith("rep") || insn.operands().contains("(bad)"),
                    what);
            used.add(insn.mnemonic());
        }
        // Decoding did not go off the rails: the tail reads CR2 and rings the fault doorbell.
        List<String> texts = instructions.stream().map(i -> i.mnemonic() + " " + i.operands())
                .toList();
        assertTrue(texts.contains("mov %cr2,%rax"), texts.toString());
        assertTrue(texts.contains(String.format("out %%eax,$%#x", HostcallAbi.FAULT_DOORBELL_PORT)), texts.toString());
        assertTrue(texts.contains("hlt "), texts.toString());
        // Every IDT target is the start of a decoded instruction.
        Set<Long> starts = new TreeSet<>();
        instructions.forEach(i -> starts.add(i.address()));
        for (long entry : image.ring0StubEntries()) {
            assertTrue(starts.contains(entry), Long.toHexString(entry));
        }
    }

    @Test
    void eachStubPushesAZeroOnlyWhereTheCpuPushesNoErrorCode(@TempDir Path dir)
            throws Exception {
        KeepImage image = TestImages.typical().build();
        List<Instruction> instructions = disassemble(
                image.read(KeepLayout.STUBS_ADDRESS, image.ring0StubsLength()), dir);
        long[] entries = image.ring0StubEntries();
        for (int vector = 0; vector < 32; vector++) {
            int at = indexOf(instructions, entries[vector]);
            List<String> stub = new ArrayList<>();
            for (int i = at; !instructions.get(i - 1 < at ? at : i - 1).mnemonic().equals("jmp")
                    || i == at; i++) {
                stub.add(instructions.get(i).mnemonic() + " " + instructions.get(i).operands());
            }
            List<String> expected = new ArrayList<>();
            if (!FaultStubs.hasErrorCode(vector)) {
                expected.add("push $0x0");
            }
            expected.add(String.format("push $0x%x", vector));
            assertEquals(expected, stub.subList(0, stub.size() - 1), "vector " + vector);
            assertTrue(stub.getLast().startsWith("jmp "), "vector " + vector);
        }
    }

    private static int indexOf(List<Instruction> list, long address) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).address() == address) {
                return i;
            }
        }
        throw new AssertionError("no instruction at " + Long.toHexString(address));
    }
}
