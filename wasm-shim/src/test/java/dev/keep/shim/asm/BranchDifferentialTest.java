package dev.keep.shim.asm;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Label branches against GNU as. Each case defines its own label and pads with 1-byte nops to put
 * the target exactly at the rel8 edges; statements on one line are separated by ';'. GNU as relaxes
 * forward jumps, so forward cases use {@code {disp32}} for our always-rel32 forward jumps and plain
 * jumps (which GNU as makes short) for jmpShort / jccShort.
 */
class BranchDifferentialTest {
    /** Padding sizes around the rel8 limits: a 2-byte jump back over n nops has rel -(n+2). */
    private static final int[] BACK_PADS = {0, 1, 100, 125, 126, 127, 128, 300};
    /** A 2-byte jump forward over n nops has rel n; 127 is the last that fits. */
    private static final int[] FORWARD_PADS = {0, 1, 126, 127};

    private static int labelCount;

    @Test
    void labelBranches() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        List<String> jumps = new ArrayList<>(List.of("jmp"));
        for (Cond c : Cond.values()) {
            jumps.add("j" + c.suffix());
        }
        for (String mnemonic : jumps) {
            Cond cond = mnemonic.equals("jmp") ? null : condOf(mnemonic);
            for (int pad : BACK_PADS) {
                String l = nextLabel();
                cases.add(new AsmCase(l + ": " + nops(pad) + mnemonic + " " + l, (a, t) -> {
                    Label target = a.newLabel();
                    a.bind(target);
                    padNops(a, pad);
                    jump(a, cond, target, "auto");
                }));
                String n = nextLabel();
                cases.add(new AsmCase(n + ": " + nops(pad) + "{disp32} " + mnemonic + " " + n, (a, t) -> {
                    Label target = a.newLabel();
                    a.bind(target);
                    padNops(a, pad);
                    jump(a, cond, target, "near");
                }));
            }
            for (int pad : FORWARD_PADS) {
                String l = nextLabel();
                cases.add(new AsmCase("{disp32} " + mnemonic + " " + l + "; " + nops(pad) + l + ":", (a, t) -> {
                    Label target = a.newLabel();
                    jump(a, cond, target, "auto");
                    padNops(a, pad);
                    a.bind(target);
                }));
                String s = nextLabel();
                cases.add(new AsmCase(mnemonic + " " + s + "; " + nops(pad) + s + ":", (a, t) -> {
                    Label target = a.newLabel();
                    jump(a, cond, target, "short");
                    padNops(a, pad);
                    a.bind(target);
                }));
            }
            // Across the whole batch: the start label is far back, the end label far ahead.
            cases.add(new AsmCase(mnemonic + " Lback", (a, t) -> jump(a, cond, t.back(), "auto")));
            cases.add(new AsmCase("{disp32} " + mnemonic + " Lfwd", (a, t) -> jump(a, cond, t.forward(), "auto")));
        }
        for (int pad : new int[] {0, 127, 128}) {
            String l = nextLabel();
            cases.add(new AsmCase("call " + l + "; " + nops(pad) + l + ":", (a, t) -> {
                Label target = a.newLabel();
                a.call(target);
                padNops(a, pad);
                a.bind(target);
            }));
            String b = nextLabel();
            cases.add(new AsmCase(b + ": " + nops(pad) + "call " + b, (a, t) -> {
                Label target = a.newLabel();
                a.bind(target);
                padNops(a, pad);
                a.call(target);
            }));
        }
        cases.add(new AsmCase("call Lback", (a, t) -> a.call(t.back())));
        cases.add(new AsmCase("call Lfwd", (a, t) -> a.call(t.forward())));
        DifferentialRunner.check("label branches", cases);
    }

    private static Cond condOf(String mnemonic) {
        for (Cond c : Cond.values()) {
            if (("j" + c.suffix()).equals(mnemonic)) {
                return c;
            }
        }
        throw new IllegalArgumentException(mnemonic);
    }

    private static void jump(Assembler a, Cond cond, Label target, String mode) {
        switch (mode) {
            case "short" -> {
                if (cond == null) {
                    a.jmpShort(target);
                } else {
                    a.jccShort(cond, target);
                }
            }
            case "near" -> {
                if (cond == null) {
                    a.jmpNear(target);
                } else {
                    a.jccNear(cond, target);
                }
            }
            default -> {
                if (cond == null) {
                    a.jmp(target);
                } else {
                    a.jcc(cond, target);
                }
            }
        }
    }

    private static synchronized String nextLabel() {
        return "Lj" + labelCount++;
    }

    private static String nops(int n) {
        return "nop; ".repeat(n);
    }

    private static void padNops(Assembler a, int n) {
        for (int i = 0; i < n; i++) {
            a.nop();
        }
    }
}
