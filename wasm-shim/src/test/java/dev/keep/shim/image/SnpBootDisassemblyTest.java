package dev.keep.shim.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.keep.shim.abi.HostcallAbi;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SNP ring-0 code needs SEV-SNP hardware (wrmsr, vmgexit, iretq to CPL3), so GNU objdump
 * decodes it exactly as it sits in the image, at its own addresses: the boot code must register
 * the GHCB, then check the C-bit, then enter CPL3, and terminate on every failure; the #VC gate's
 * handler must use the image's CPUID page and GHCB and hand everything else to the fault stub.
 */
class SnpBootDisassemblyTest {
    private static final int C_BIT = 51;
    /** "  34470:\tmov    rdi,0x32000" with --no-show-raw-insn. */
    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\t(.*)$");

    record Insn(long address, String text) {
    }

    private static KeepImage image;
    private static SnpKeep parts;

    @BeforeAll
    static void build() {
        image = TestImages.typical().snp(C_BIT).build();
        parts = image.snp().orElseThrow();
    }

    /** The image's SNP code decoded from {@code start} on (so data before it cannot shift it). */
    private static List<Insn> disassembleFrom(long start, Path dir)
            throws IOException, InterruptedException {
        Path bin = dir.resolve("snp.bin");
        Files.write(bin, image.read(KeepLayout.SNP_CODE_ADDRESS, parts.code().code().length));
        Process p = new ProcessBuilder("objdump", "-D", "-b", "binary", "-m", "i386:x86-64",
                "-M", "intel", "--no-show-raw-insn",
                "--adjust-vma=" + KeepLayout.SNP_CODE_ADDRESS,
                "--start-address=" + start, bin.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "objdump hung");
        assertEquals(0, p.exitValue(), out);
        List<Insn> list = new ArrayList<>();
        for (String line : out.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                list.add(new Insn(Long.parseLong(m.group(1), 16),
                        m.group(2).trim().replaceAll("\\s+", " ")));
            }
        }
        assertFalse(list.isEmpty(), out);
        assertEquals(start, list.getFirst().address());
        return list;
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    @Test
    void bootRegistersTheGhcbThenChecksTheCBitThenDropsToCpl3(@TempDir Path dir)
            throws Exception {
        List<Insn> boot = disassembleFrom(parts.code().boot(), dir);
        int iret = indexOf(boot, "iretq");
        List<String> path = boot.subList(0, iret + 1).stream().map(Insn::text).toList();
        List<String> expected = new ArrayList<>(List.of(
                "mov rdi," + hex(KeepLayout.SNP_GHCB_ADDRESS),
                "call " + hex(parts.code().ghcbRegistration()),
                "cmp eax,0x2", "je", "cmp eax,0x4", "je", "test eax,eax", "jne",
                "mov rdi," + hex(KeepLayout.SNP_CPUID_ADDRESS),
                "call " + hex(parts.code().cBitPosition()),
                "cmp eax," + hex(C_BIT), "jne",
                "push 0x2b", "push " + hex(KeepLayout.USER_STACK_TOP), "push 0x202", "push 0x33",
                "mov rax," + hex(parts.userEntry()), "push rax"));
        for (String r : new String[] {"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "r8d",
            "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"}) {
            expected.add("xor " + r + "," + r);
        }
        expected.add("iretq");
        assertEquals(expected.size(), path.size(), String.join("\n", path));
        for (int i = 0; i < expected.size(); i++) {
            String want = expected.get(i);
            String got = path.get(i);
            assertTrue(got.equals(want) || !want.contains(" ") && got.startsWith(want + " "),
                    "instruction " + i + ": expected `" + want + "`, got `" + got + "`");
        }
        assertEquals(parts.userEntry(), image.pageMap().region(PageRole.RUNTIME_CODE).address());

        // Each failure branch lands on a GHCB termination request with its own reason.
        assertTerminates(boot, target(path.get(3)), 0x0_1_0100);  // set 0, protocol unsupported
        assertTerminates(boot, target(path.get(5)), 0x0_2_0100);  // set 0, SNP unsupported
        assertTerminates(boot, target(path.get(7)), 0x0_0_0100);  // set 0, general (refused)
        assertTerminates(boot, target(path.get(11)), 0x0_1_1100); // set 1 (keep), C-bit mismatch
    }

    @Test
    void theBootCallsAreTheGhcbRegistrationAndCBitRoutines(@TempDir Path dir) throws Exception {
        List<String> register = disassembleFrom(parts.code().ghcbRegistration(), dir).stream()
                .limit(3).map(Insn::text).toList();
        assertEquals(List.of("mov eax,0x1", "test edi,0xfff", "jne"),
                List.of(register.get(0), register.get(1), register.get(2).split(" ")[0]));
        List<String> cBit = disassembleFrom(parts.code().cBitPosition(), dir).stream()
                .limit(6).map(Insn::text).toList();
        assertEquals("mov esi,0x8000001f", cBit.get(2));
        assertEquals("call " + hex(parts.code().cpuidLookup()), cBit.get(4));
    }

    @Test
    void theVcHandlerUsesTheImagesPagesAndHandsTheRestToTheFaultStub(@TempDir Path dir)
            throws Exception {
        List<Insn> handler = disassembleFrom(parts.code().vcHandler(), dir);
        int unhandled = 0;
        while (!handler.get(unhandled).text().startsWith("jmp QWORD PTR [rip+0x0]")) {
            unhandled++;
        }
        List<String> texts = handler.subList(0, unhandled).stream().map(Insn::text).toList();
        assertTrue(texts.contains("mov rdi," + hex(KeepLayout.SNP_CPUID_ADDRESS)), "CPUID page");
        assertTrue(texts.contains("call " + hex(parts.code().cpuidLookup())), "page lookup");
        assertTrue(texts.contains("mov rdi," + hex(KeepLayout.SNP_GHCB_ADDRESS)), "GHCB");
        assertTrue(texts.contains("mov rax," + hex(KeepLayout.SNP_GHCB_ADDRESS)), "GHCB GPA");
        // The doorbell: `out imm8, eax` is decoded and sent as IOIO (0x7b) through the GHCB.
        assertTrue(texts.contains("cmp eax,0xe7"), texts.toString());
        assertTrue(texts.contains("mov QWORD PTR [rdi+0x390],0x7b"), texts.toString());
        int exit = texts.indexOf("vmgexit");
        assertTrue(exit > 0 && texts.get(exit - 1).equals("wrmsr"), texts.toString());
        // The runtime's doorbell instruction is one the handler decodes.
        byte[] program = TestImages.exitProgram(0);
        assertTrue(containsDoorbell(program), "the exit program rings with out 0xe0, eax");

        // The unhandled path jumps through the qword right after it: vector 29's fault stub.
        long slot = handler.get(unhandled).address() + 6;
        long stub = image.ring0StubEntries()[29];
        assertEquals(stub, image.readLong(slot));
        KeepImage plain = TestImages.typical().build();
        assertEquals(plain.ring0StubEntries()[29], stub, "the stubs are the plain keep's");
        assertEquals(HexFormat.of().formatHex(plain.read(KeepLayout.STUBS_ADDRESS,
                plain.ring0StubsLength())), HexFormat.of().formatHex(image.read(
                KeepLayout.STUBS_ADDRESS, image.ring0StubsLength())));
        // The IDT gate points at the handler's first instruction.
        assertEquals(parts.code().vcHandler(), new ImageDecoder(image, C_BIT).gate(29).target());
        assertEquals("push rax", handler.getFirst().text());
    }

    private static boolean containsDoorbell(byte[] code) {
        for (int i = 0; i + 1 < code.length; i++) {
            if ((code[i] & 0xFF) == 0xE7 && (code[i + 1] & 0xFF) == HostcallAbi.REQUEST_DOORBELL_PORT) {
                return true;
            }
        }
        return false;
    }

    private static void assertTerminates(List<Insn> code, long at, int request) {
        int i = indexOfAddress(code, at);
        List<String> block = code.subList(i, i + 8).stream().map(Insn::text).toList();
        assertEquals(List.of("mov ecx,0xc0010130", "mov eax," + hex(request), "mov edx,0x0",
                "wrmsr", "vmgexit", "rdmsr", "hlt", "jmp " + hex(code.get(i + 6).address())),
                block);
    }

    private static long target(String jump) {
        return Long.parseLong(jump.substring(jump.indexOf("0x") + 2), 16);
    }

    private static int indexOf(List<Insn> code, String text) {
        for (int i = 0; i < code.size(); i++) {
            if (code.get(i).text().equals(text)) {
                return i;
            }
        }
        fail("`" + text + "` not found");
        return -1;
    }

    private static int indexOfAddress(List<Insn> code, long address) {
        for (int i = 0; i < code.size(); i++) {
            if (code.get(i).address() == address) {
                return i;
            }
        }
        fail("no instruction at " + hex(address));
        return -1;
    }
}
