package dev.keep.shim.image;

import dev.keep.shim.abi.HostcallAbi;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.ControlReg;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.asm.Width;

/**
 * The ring-0 exception stubs: the only code that runs at CPL0. On PVM hosts ring 0 is emulated
 * instruction by instruction and the emulator rejects SSE, string instructions and
 * {@code xgetbv}, and patches {@code vmmcall} into a livelock; so the stubs use general-purpose
 * registers, plain moves, push/pop and one {@code out}, nothing else.
 *
 * <p>Each vector's entry pushes a 0 where the CPU pushes no error code, pushes its vector number and
 * jumps to one common tail, which copies vector, error code, the interrupt frame, CR2 and RAX
 * into the supervisor-only fault record, counts the fault, rings the fault doorbell with the
 * vector in EAX and halts. The host tears the keep down at the doorbell; {@code hlt} (an exit of
 * its own at CPL0) and the loop back to it only guard against a host that resumes the vCPU.
 */
public final class FaultStubs {
    private FaultStubs() {
    }

    /** Vectors for which the CPU pushes an error code. */
    public static boolean hasErrorCode(int vector) {
        return switch (vector) {
            case 8, 10, 11, 12, 13, 14, 17, 21, 29, 30 -> true;
            default -> false;
        };
    }

    /**
     * The assembled stubs.
     *
     * @param code the bytes, to be placed at the origin they were assembled for
     * @param entries entry address of each vector's stub, index = vector
     */
    public record Assembled(byte[] code, long[] entries) {
        public Assembled {
            code = code.clone();
            entries = entries.clone();
        }

        @Override
        public byte[] code() {
            return code.clone();
        }

        @Override
        public long[] entries() {
            return entries.clone();
        }
    }

    /** Assembles the stubs for code placed at {@code origin}. */
    public static Assembled assemble(long origin) {
        Assembler a = new Assembler(origin);
        Label common = a.newLabel();
        Label[] entryLabels = new Label[Idt.VECTORS];
        for (int vector = 0; vector < Idt.VECTORS; vector++) {
            entryLabels[vector] = a.newLabel();
            a.bind(entryLabels[vector]);
            if (!hasErrorCode(vector)) {
                a.push(0);
            }
            a.push(vector);
            a.jmp(common);
        }
        // Stack now: [rsp] vector, +8 error code, +16 RIP, +24 CS, +32 RFLAGS, +40 RSP, +48 SS.
        a.bind(common);
        a.mov(record(HostcallAbi.FAULT_OFF_RAX), Reg.RAX);
        a.pop(Reg.RAX);
        a.mov(record(HostcallAbi.FAULT_OFF_VECTOR), Reg.RAX);
        a.pop(Reg.RAX);
        a.mov(record(HostcallAbi.FAULT_OFF_ERROR_CODE), Reg.RAX);
        int[][] frame = {
            {0, HostcallAbi.FAULT_OFF_RIP},
            {8, HostcallAbi.FAULT_OFF_CS},
            {16, HostcallAbi.FAULT_OFF_RFLAGS},
            {24, HostcallAbi.FAULT_OFF_RSP},
            {32, HostcallAbi.FAULT_OFF_SS},
        };
        for (int[] slot : frame) {
            a.mov(Reg.RAX, Mem.base(Reg.RSP).disp(slot[0]));
            a.mov(record(slot[1]), Reg.RAX);
        }
        a.mov(Reg.RAX, ControlReg.CR2);
        a.mov(record(HostcallAbi.FAULT_OFF_CR2), Reg.RAX);
        a.add(Width.QWORD, record(HostcallAbi.FAULT_OFF_COUNT), 1);
        a.mov(Reg.RAX, record(HostcallAbi.FAULT_OFF_VECTOR));
        a.out(HostcallAbi.FAULT_DOORBELL_PORT, Reg.EAX);
        Label halt = a.newLabel();
        a.bind(halt);
        a.hlt();
        a.jmp(halt);
        byte[] code = a.finish();
        long[] entries = new long[Idt.VECTORS];
        for (int vector = 0; vector < Idt.VECTORS; vector++) {
            entries[vector] = origin + a.offsetOf(entryLabels[vector]);
        }
        return new Assembled(code, entries);
    }

    private static Mem record(int offset) {
        return Mem.abs((int) (HostcallAbi.FAULT_RECORD_ADDRESS + offset));
    }
}
