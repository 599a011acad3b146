package dev.keep.shim.snp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Label;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CPL0 SNP code that needs SEV-SNP hardware (GHCB registration, termination, the #VC handler)
 * cannot run here; GNU objdump decodes it instead, and the decoded instruction stream must show the
 * protocol steps in order.
 */
class SnpStubsDisassemblyTest {
    private static final long CPUID_PAGE = 0xFFFF_8000_0000_3000L;
    private static final long GHCB = 0xFFFF_8000_0000_4000L;
    private static final long GHCB_PHYS = 0x1_2345_6000L;

    private static List<Objdump.Insn> insns;
    private static int lookupAt;
    private static int registerAt;
    private static int terminateAt;
    private static int handlerAt;
    private static int unhandledAt;
    private static int end;

    @BeforeAll
    static void emitAndDisassemble() throws Exception {
        Assembler a = new Assembler();
        CpuidPageEmitter.Routines cpuid = CpuidPageEmitter.emit(a);
        a.align(16);
        Label register = GhcbMsrProtocolEmitter.emitRegistration(a);
        a.align(16);
        Label terminate = a.newLabel();
        a.bind(terminate);
        GhcbMsrProtocolEmitter.emitTerminate(a, GhcbMsrProtocolEmitter.TERM_PROTOCOL_UNSUPPORTED);
        a.align(16);
        Label unhandled = a.newLabel();
        Label handler = VcHandlerEmitter.emit(a, CPUID_PAGE, GHCB, GHCB_PHYS, cpuid.lookup(), unhandled);
        a.bind(unhandled);
        a.ud2();
        byte[] code = a.finish();
        lookupAt = a.offsetOf(cpuid.lookup());
        registerAt = a.offsetOf(register);
        terminateAt = a.offsetOf(terminate);
        handlerAt = a.offsetOf(handler);
        unhandledAt = a.offsetOf(unhandled);
        end = code.length;
        insns = Objdump.disassemble(code);
    }

    @Test
    void decodesCleanlyAndInStepWithTheEntryPoints() {
        assertFalse(insns.isEmpty());
        for (Objdump.Insn i : insns) {
            assertFalse(i.text().contains("(bad)"), "undecodable bytes at " + Integer.toHexString(i.offset()));
        }
        Set<Integer> starts = insns.stream().map(Objdump.Insn::offset).collect(Collectors.toSet());
        for (int entry : new int[] {lookupAt, registerAt, terminateAt, handlerAt, unhandledAt}) {
            assertTrue(starts.contains(entry), "no instruction starts at entry " + Integer.toHexString(entry));
        }
    }

    @Test
    void registrationNegotiatesChecksFeaturesRegistersAndLeavesTheGhcbAddressInTheMsr() {
        assertSequence(registerAt, terminateAt,
            "test edi,0xfff",
            // SEV_INFO request and the version window check
            "mov ecx,0xc0010130", "mov eax,0x2", "mov edx,0x0", "wrmsr", "vmgexit", "rdmsr",
            "and esi,0xfff", "cmp esi,0x1", "shr esi,0x10", "cmp esi,0x2", "movzx esi,dx", "cmp esi,0x2",
            // hypervisor features must include SNP
            "mov ecx,0xc0010130", "mov eax,0x80", "mov edx,0x0", "wrmsr", "vmgexit", "rdmsr",
            "cmp esi,0x81", "test esi,0x1000",
            // REG_GPA with the GHCB's frame number, the answer must echo it
            "mov rax,rdi", "or rax,0x12", "mov rdx,rax", "shr rdx,0x20", "mov ecx,0xc0010130", "wrmsr", "vmgexit",
            "rdmsr", "shl rdx,0x20", "or rax,rdx", "cmp esi,0x13", "shr rax,0xc", "mov rsi,rdi", "shr rsi,0xc",
            "cmp rax,rsi",
            // the MSR finally holds the GHCB address itself
            "mov eax,edi", "mov rdx,rdi", "shr rdx,0x20", "mov ecx,0xc0010130", "wrmsr", "xor eax,eax", "ret");
    }

    @Test
    void terminationRequestsReasonAndHalts() {
        assertSequence(terminateAt, handlerAt,
            "mov ecx,0xc0010130", "mov eax,0x10100", "mov edx,0x0", "wrmsr", "vmgexit", "rdmsr", "hlt", "jmp");
        assertThrows(IllegalArgumentException.class, () -> GhcbMsrProtocolEmitter.emitTerminate(new Assembler(), 256));
    }

    @Test
    void vcHandlerAnswersCpuidFromThePage() {
        assertSequence(handlerAt, unhandledAt,
            "push rax", "push rbx", "push rcx", "push rdx", "push rsi", "push rdi", "push r8", "push r9", "push r10",
            "push r11",
            "mov rax,QWORD PTR [rsp+0x50]", "cmp rax,0x72", "cmp rax,0x7b",
            "pop r11", "pop r10", "pop r9", "pop r8", "pop rdi", "pop rsi", "pop rdx", "pop rcx", "pop rbx", "pop rax",
            "jmp 0x" + Integer.toHexString(unhandledAt),
            // leaf from saved eax, sub-leaf from saved ecx, answer through the page lookup
            "sub rsp,0x10", "movabs rdi,0xffff800000003000", "mov esi,DWORD PTR [rsp+0x58]",
            "mov edx,DWORD PTR [rsp+0x48]", "mov rcx,rsp", "call 0x" + Integer.toHexString(lookupAt),
            "mov eax,DWORD PTR [rsp]", "mov QWORD PTR [rsp+0x58],rax",
            "mov eax,DWORD PTR [rsp+0x4]", "mov QWORD PTR [rsp+0x50],rax",
            "mov eax,DWORD PTR [rsp+0x8]", "mov QWORD PTR [rsp+0x48],rax",
            "mov eax,DWORD PTR [rsp+0xc]", "mov QWORD PTR [rsp+0x40],rax",
            "add rsp,0x10", "add QWORD PTR [rsp+0x58],0x2");
        assertSequence(handlerAt, unhandledAt, "pop rax", "add rsp,0x8", "iretq");
    }

    @Test
    void vcHandlerForwardsDoorbellWritesThroughTheGhcb() {
        assertSequence(handlerAt, unhandledAt,
            "mov rsi,QWORD PTR [rsp+0x58]", "movzx eax,BYTE PTR [rsi]",
            "cmp eax,0xe7", "cmp eax,0xe6", "cmp eax,0xef", "cmp eax,0xee",
            "movzx ecx,BYTE PTR [rsi+0x1]", "mov r8d,0x40", "mov r9d,0x2",
            "movzx ecx,BYTE PTR [rsi+0x1]", "mov r8d,0x10", "mov r9d,0x2",
            "movzx ecx,WORD PTR [rsp+0x30]", "mov r8d,0x40", "mov r9d,0x1",
            "movzx ecx,WORD PTR [rsp+0x30]", "mov r8d,0x10", "mov r9d,0x1",
            "mov eax,DWORD PTR [rsp+0x48]", "cmp r8d,0x40", "movzx eax,BYTE PTR [rsp+0x48]",
            "movabs rdi,0xffff800000004000",
            "mov QWORD PTR [rdi+0x3f0],0x0", "mov QWORD PTR [rdi+0x3f8],0x0",
            "mov QWORD PTR [rdi+0x1f8],rax", "mov QWORD PTR [rdi+0x390],0x7b",
            "shl ecx,0x10", "or ecx,r8d", "mov QWORD PTR [rdi+0x398],rcx", "mov QWORD PTR [rdi+0x3a0],0x0",
            "bts QWORD PTR [rdi+0x3f0],0x3f", "bts QWORD PTR [rdi+0x3f8],0x32", "bts QWORD PTR [rdi+0x3f8],0x33",
            "bts QWORD PTR [rdi+0x3f8],0x34",
            "mov WORD PTR [rdi+0xffa],0x2", "mov DWORD PTR [rdi+0xffc],0x0",
            "mov ecx,0xc0010130", "movabs rax,0x123456000", "mov rdx,rax", "shr rdx,0x20", "wrmsr", "vmgexit",
            "cmp DWORD PTR [rdi+0x398],0x0", "add QWORD PTR [rsp+0x58],r9",
            "pop r11", "pop rax", "add rsp,0x8", "iretq");
    }

    /** The expected instructions appear in this order (not necessarily adjacent) within [from, to). */
    private static void assertSequence(int from, int to, String... expected) {
        List<Objdump.Insn> range = insns.stream().filter(i -> i.offset() >= from && i.offset() < to).toList();
        int at = 0;
        for (String want : expected) {
            while (at < range.size() && !matches(range.get(at).text(), want)) {
                at++;
            }
            if (at == range.size()) {
                StringBuilder listing = new StringBuilder();
                range.forEach(i -> listing.append(String.format("%n  %5x  %s", i.offset(), i.text())));
                fail("`" + want + "` not found in order; disassembly:" + listing);
            }
            at++;
        }
    }

    /** Exact text, or a bare mnemonic matching any operands. */
    private static boolean matches(String text, String want) {
        return text.equals(want) || (!want.contains(" ") && text.startsWith(want + " "));
    }
}
