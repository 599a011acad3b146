package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.OpCode;
import java.util.ArrayList;
import java.util.List;

/**
 * Which tracked locals (at most 64, one bit each) may still be read before being written, at each
 * instruction of a body: the classic backward live-variable analysis over Wasm's structured
 * control flow, iterated to a fixed point (loops need a few passes). Register locals use it to skip
 * storing a local that is dead across a call and reloading one that is dead at a join.
 *
 * <p>Anything malformed (a branch out of range, unbalanced ends) makes that instruction keep every
 * local live, which is always safe; the compiler reports the error itself.
 */
final class LocalLiveness {
    static final long ALL = -1L;

    /** liveIn[i]: bits live just before instruction i; liveIn[n] (after the body) is empty. */
    private final long[] liveIn;

    /**
     * @param bitOfLocal for each local index, its bit (0..63), or -1 when it is not tracked
     */
    LocalLiveness(List<? extends Instruction> code, int[] bitOfLocal) {
        int n = code.size();
        long[] gen = new long[n];
        long[] kill = new long[n];
        int[][] successors = new int[n][];
        boolean[] allLive = new boolean[n];
        // Control structure: for each block-like instruction its END (and an IF's ELSE).
        int[] endOf = new int[n];
        int[] elseOf = new int[n];
        java.util.Arrays.fill(endOf, -1);
        java.util.Arrays.fill(elseOf, -1);
        List<Integer> open = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            OpCode op = code.get(i).opcode();
            if (op == OpCode.BLOCK || op == OpCode.LOOP || op == OpCode.IF) {
                open.add(i);
            } else if (op == OpCode.ELSE && !open.isEmpty()) {
                elseOf[open.get(open.size() - 1)] = i;
            } else if (op == OpCode.END && !open.isEmpty()) {
                endOf[open.remove(open.size() - 1)] = i;
            }
        }
        // Branch targets need the enclosing frames at each instruction: walk again with a stack.
        open.clear();
        for (int i = 0; i < n; i++) {
            Instruction ins = code.get(i);
            OpCode op = ins.opcode();
            switch (op) {
                case LOCAL_GET -> gen[i] = bit(bitOfLocal, ins.operand(0));
                case LOCAL_SET, LOCAL_TEE -> kill[i] = bit(bitOfLocal, ins.operand(0));
                default -> {
                }
            }
            switch (op) {
                case BLOCK, LOOP -> {
                    open.add(i);
                    successors[i] = new int[] {i + 1};
                }
                case IF -> {
                    open.add(i);
                    int alt = elseOf[i] >= 0 ? elseOf[i] + 1 : endOf[i];
                    if (alt < 0) {
                        allLive[i] = true;
                        successors[i] = new int[0];
                    } else {
                        successors[i] = new int[] {i + 1, alt};
                    }
                }
                case ELSE -> {
                    // Reached only at the end of the then-branch: continue after the if's end.
                    int end = open.isEmpty() ? -1 : endOf[open.get(open.size() - 1)];
                    if (end < 0) {
                        allLive[i] = true;
                        successors[i] = new int[0];
                    } else {
                        successors[i] = new int[] {end};
                    }
                }
                case END -> {
                    if (!open.isEmpty()) {
                        open.remove(open.size() - 1);
                    }
                    successors[i] = new int[] {i + 1};
                }
                case BR -> successors[i] = targets(i, new long[] {ins.operand(0)}, false, open, endOf, code, allLive);
                case BR_IF -> successors[i] = targets(i, new long[] {ins.operand(0)}, true, open, endOf, code, allLive);
                case BR_TABLE -> successors[i] = targets(i, ins.operands(), false, open, endOf, code, allLive);
                case RETURN, UNREACHABLE -> successors[i] = new int[0];
                default -> successors[i] = new int[] {i + 1};
            }
        }
        liveIn = new long[n + 1];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = n - 1; i >= 0; i--) {
                long out = 0;
                for (int s : successors[i]) {
                    out |= s >= 0 && s <= n ? liveIn[s] : ALL;
                }
                long in = allLive[i] ? ALL : gen[i] | (out & ~kill[i]);
                if (in != liveIn[i]) {
                    liveIn[i] = in;
                    changed = true;
                }
            }
        }
    }

    private static long bit(int[] bitOfLocal, long local) {
        if (local < 0 || local >= bitOfLocal.length || bitOfLocal[(int) local] < 0) {
            return 0;
        }
        return 1L << bitOfLocal[(int) local];
    }

    /**
     * Where a branch from instruction i can go: a loop's start or a block's end; a branch to the
     * function's own frame (depth = number of open blocks) returns, which keeps nothing live.
     */
    private static int[] targets(int i, long[] depths, boolean fallsThrough, List<Integer> open, int[] endOf,
            List<? extends Instruction> code, boolean[] allLive) {
        List<Integer> list = new ArrayList<>();
        if (fallsThrough) {
            list.add(i + 1);
        }
        for (long d : depths) {
            if (d < 0 || d > open.size()) {
                allLive[i] = true;
                continue;
            }
            if (d == open.size()) {
                continue;
            }
            int frame = open.get(open.size() - 1 - (int) d);
            if (code.get(frame).opcode() == OpCode.LOOP) {
                list.add(frame);
            } else if (endOf[frame] >= 0) {
                list.add(endOf[frame]);
            } else {
                allLive[i] = true;
            }
        }
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Tracked locals live just before instruction i. */
    long liveBefore(int i) {
        return i >= 0 && i < liveIn.length ? liveIn[i] : ALL;
    }
}
