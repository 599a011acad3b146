package dev.keep.shim.image;

import dev.keep.shim.abi.HostcallAbi;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.asm.Width;

/** Images the tests build: real assembled code, sizes chosen to hit 2 MiB and 4 KiB edges. */
final class TestImages {
    private TestImages() {
    }

    /** A tiny payload: writes the EXIT request into the mailbox and rings the doorbell. */
    static byte[] exitProgram(int status) {
        Assembler a = new Assembler(KeepLayout.USER_CODE_ADDRESS);
        int mailbox = (int) HostcallAbi.MAILBOX_ADDRESS;
        a.mov(Width.DWORD, Mem.abs(mailbox + HostcallAbi.OFF_MAGIC), HostcallAbi.MAILBOX_MAGIC);
        a.mov(Width.DWORD, Mem.abs(mailbox + HostcallAbi.OFF_VERSION), HostcallAbi.VERSION);
        a.mov(Width.QWORD, Mem.abs(mailbox + HostcallAbi.OFF_SEQUENCE), 1);
        a.mov(Width.DWORD, Mem.abs(mailbox + HostcallAbi.OFF_OPCODE), HostcallAbi.OP_EXIT);
        a.mov(Width.DWORD, Mem.abs(mailbox + HostcallAbi.OFF_REQUEST_OFFSET),
                HostcallAbi.HEADER_SIZE);
        a.mov(Width.DWORD, Mem.abs(mailbox + HostcallAbi.OFF_REQUEST_LENGTH),
                HostcallAbi.EXIT_REQUEST_LENGTH);
        a.mov(Width.DWORD, Mem.abs(mailbox + HostcallAbi.HEADER_SIZE), status);
        a.mov(Reg.EAX, 1);
        a.out(HostcallAbi.REQUEST_DOORBELL_PORT, Reg.EAX);
        Label spin = a.newLabel();
        a.bind(spin);
        a.pause();
        a.jmp(spin);
        return a.finish();
    }

    /** Code padded past 2 MiB (so it uses one 2 MiB page and a 4 KiB tail). */
    static byte[] largeCode() {
        byte[] small = exitProgram(0);
        byte[] code = new byte[(int) KeepLayout.HUGE_PAGE_SIZE + 3 * 4096 + 17];
        System.arraycopy(small, 0, code, 0, small.length);
        return code;
    }

    static KeepImageBuilder typical() {
        return KeepImage.builder()
                .code(largeCode(), 0)
                .data(new byte[] {1, 2, 3, 4}, 3 * 4096 + 5)
                .stackSize(64 * 1024)
                .linearMemory(KeepLayout.HUGE_PAGE_SIZE * 2 + 65536)
                .linearMemoryData(1024, "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
