package dev.keep.shim.snp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.KeepLayout;
import dev.keep.shim.image.PageRole;
import dev.keep.shim.image.SnpKeep;
import dev.keep.shim.image.VirtualRegion;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.LaunchConfig;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code keep.attestation_report} in a linked SNP image, decoded by GNU objdump (ring 0 needs SNP
 * hardware to run): the ring-3 routine checks the buffers and then asks ring 0 with an {@code out} to
 * the attestation port; the #VC handler's attestation path checks the caller and the buffers, copies
 * the report data, builds, exchanges and opens, in that order; the exchange fills the GHCB for the
 * guest-request NAE event, VMGEXITs and checks the hypervisor's status. A plain image's routine
 * never leaves ring 3.
 */
class AttestationDisassemblyTest {
    private static final String APP = """
            (module
              (import "keep" "attestation_report" (func $report (param i32 i32 i32) (result i32)))
              (memory 2)
              (func (export "_start") (drop (call $report (i32.const 0) (i32.const 64) (i32.const 1184)))))
            """;

    private static SnpKeep snp;
    /** The committed linear memory the SNP image maps: what ring 0 checks against. */
    private static long linearBytes;
    private static List<Objdump.Insn> ring0;
    private static List<Objdump.Insn> snpRuntime;
    private static List<Objdump.Insn> plainRuntime;

    @BeforeAll
    static void linkAndDisassemble() throws Exception {
        byte[] wasm = Wat2Wasm.parse(APP);
        KeepImage snpImage = KeepLinker.linkSnp(wasm, LaunchConfig.of("a.wasm"), 51);
        KeepImage plainImage = KeepLinker.link(wasm, LaunchConfig.of("a.wasm"));
        snp = snpImage.snp().orElseThrow();
        linearBytes = snpImage.pageMap().region(PageRole.LINEAR_MEMORY).size();
        ring0 = Objdump.disassemble(snpImage.read(KeepLayout.SNP_CODE_ADDRESS,
                snp.code().code().length));
        snpRuntime = Objdump.disassemble(runtimeCode(snpImage));
        plainRuntime = Objdump.disassemble(runtimeCode(plainImage));
    }

    private static byte[] runtimeCode(KeepImage image) {
        VirtualRegion code = image.pageMap().region(PageRole.RUNTIME_CODE);
        return image.read(code.physicalAddress(), (int) code.size());
    }

    /** Index of the first instruction at or after {@code from} whose text starts with {@code prefix}. */
    private static int find(List<Objdump.Insn> insns, int from, String prefix) {
        for (int i = from; i < insns.size(); i++) {
            if (insns.get(i).text().startsWith(prefix)) {
                return i;
            }
        }
        List<String> next = insns.subList(from, Math.min(insns.size(), from + 60)).stream()
                .map(Objdump.Insn::text).toList();
        return fail("no \"" + prefix + "\" in or after " + next);
    }

    /** Each prefix matches an instruction after the previous match; returns the last index. */
    private static int inOrder(List<Objdump.Insn> insns, int from, String... prefixes) {
        int at = from - 1;
        for (String prefix : prefixes) {
            at = find(insns, at + 1, prefix);
        }
        return at;
    }

    private static int indexAt(List<Objdump.Insn> insns, long address) {
        int offset = Math.toIntExact(address - KeepLayout.SNP_CODE_ADDRESS);
        for (int i = 0; i < insns.size(); i++) {
            if (insns.get(i).offset() == offset) {
                return i;
            }
        }
        return fail(String.format("no instruction starts at %#x", address));
    }

    private static String call(long address) {
        return String.format("call 0x%x", address - KeepLayout.SNP_CODE_ADDRESS);
    }

    @Test
    void theSnpRoutineChecksBothBuffersThenAsksRingZeroThroughTheAttestationPort() {
        // One byte wide: a wider access would need the bitmap bits of the ports above 0xE4 too.
        int out = find(snpRuntime, 0, "out 0xe4,al");
        int start = out - 12;
        int noAnswer = inOrder(snpRuntime, start, "cmp r11,r10", "ja", "cmp r11,r10", "ja",
                "cmp ecx,0x4a0", "jb", "mov eax,0xffffffff");
        assertEquals(noAnswer + 1, out, "the out follows the checks and the default answer");
        assertTrue(snpRuntime.get(out + 1).text().startsWith("jmp"));
        assertEquals(1, snpRuntime.stream().filter(i -> i.text().startsWith("out 0xe4")).count());
    }

    @Test
    void thePlainRoutineAnswersNoHardwareWithoutAnyExit() {
        assertFalse(plainRuntime.stream().anyMatch(i -> i.text().startsWith("out 0xe4")));
        int check = find(plainRuntime, 0, "cmp ecx,0x4a0");
        inOrder(plainRuntime, check, "jb", "mov eax,0xffffffff", "jmp");
    }

    @Test
    void theVcHandlerRoutesTheAttestationPortBeforeForwardingAnyDoorbell() {
        int handler = indexAt(ring0, snp.code().vcHandler());
        int route = inOrder(ring0, handler, "cmp ecx,0xe4");
        assertTrue(ring0.get(route + 1).text().startsWith("je"));
        // Only after that the doorbell is forwarded through the GHCB as IOIO.
        inOrder(ring0, route, "mov eax,DWORD PTR [rsp+0x48]", "mov rdi,0x32000", "wrmsr", "vmgexit");
    }

    @Test
    void theAttestationPathChecksCopiesBuildsExchangesOpensAndAnswersInOrder() {
        int handler = indexAt(ring0, snp.code().vcHandler());
        int route = inOrder(ring0, handler, "cmp ecx,0xe4");
        String je = ring0.get(route + 1).text();
        int path = indexAt(ring0, KeepLayout.SNP_CODE_ADDRESS
                + Long.parseLong(je.substring(je.indexOf("0x") + 2), 16));
        inOrder(ring0, path,
                // the caller is ring 3 (CS RPL in the #VC frame), or the event is unhandled
                "mov eax,DWORD PTR [rsp+0x60]", "and eax,0x3", "cmp eax,0x3", "jne",
                // both ranges end inside the mapped linear memory (saved RDI, saved RSI)
                "mov r11," + String.format("0x%x", linearBytes),
                "mov eax,DWORD PTR [rsp+0x20]", "lea rcx,[rax+0x40]", "cmp rcx,r11", "ja",
                "mov eax,DWORD PTR [rsp+0x28]", "lea rcx,[rax+0x4a0]", "cmp rcx,r11", "ja",
                // the report data is copied to the private #VC stack, the request built from it
                "push r9", "sub rsp,0x48", "cld", "mov esi,DWORD PTR [rsp+0x70]",
                "movabs rax,0x1000000000", "add rsi,rax", "mov rdi,rsp", "mov ecx,0x40", "rep movs",
                "mov rdi,0x3c000", "mov rsi,rsp", call(snp.code().buildReportRequest()),
                "test eax,eax", "mov eax,0xfffffffc", "jne",
                call(snp.code().guestRequestExchange()), "test eax,eax", "mov eax,0xfffffffb", "jne",
                // the response is opened straight into the payload's buffer
                "mov rdi,0x3c000", "mov esi,DWORD PTR [rsp+0x78]", "movabs rax,0x1000000000",
                "add rsi,rax", call(snp.code().openReportResponse()),
                "test eax,eax", "je", "cmp eax,0xc", "mov eax,0xfffffffb", "je", "mov eax,0xfffffffc",
                "mov eax,0x4a0", "add rsp,0x48", "pop r9",
                // the answer goes to the interrupted RAX and RIP moves past the out
                "movsxd rax,eax", "mov QWORD PTR [rsp+0x48],rax", "add QWORD PTR [rsp+0x58],r9",
                "jmp");
    }

    @Test
    void theExchangeNamesBothSharedPagesVmgexitsAndChecksTheHypervisorsAnswer() {
        int exchange = indexAt(ring0, snp.code().guestRequestExchange());
        inOrder(ring0, exchange,
                "mov r8d,0x11", "mov rdi,0x32000",
                "mov QWORD PTR [rdi+0x3f0],0x0", "mov QWORD PTR [rdi+0x3f8],0x0",
                "movabs rax,0x80000011", "mov QWORD PTR [rdi+0x390],rax",
                "mov rax,0x3e000", "mov QWORD PTR [rdi+0x398],rax",
                "mov rax,0x3f000", "mov QWORD PTR [rdi+0x3a0],rax",
                "bts QWORD PTR [rdi+0x3f8],0x32", "bts QWORD PTR [rdi+0x3f8],0x33",
                "bts QWORD PTR [rdi+0x3f8],0x34",
                "mov WORD PTR [rdi+0xffa],0x2", "mov DWORD PTR [rdi+0xffc],0x0",
                "mov ecx,0xc0010130", "mov rax,0x32000", "mov rdx,rax", "shr rdx,0x20", "wrmsr",
                "vmgexit",
                "cmp DWORD PTR [rdi+0x398],0x0", "jne", "mov rax,QWORD PTR [rdi+0x3a0]",
                "test rax,rax", "je", "shr rax,0x20", "cmp eax,0x2", "jne", "dec r8d", "jne",
                "mov eax,0x1", "ret", "xor eax,eax", "ret");
    }
}
