package dev.keep.shim.snp;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;

import dev.keep.shim.asm.Assembler;

/**
 * The emitted AES-256-GCM routines, run natively. Every buffer handed to them is followed by guard
 * bytes, and {@link #outOfBoundsWrite} records whether any routine wrote past a buffer's end.
 */
final class EmittedGcm implements AutoCloseable {
    static final byte GUARD = 0x5A;
    private static final int GUARD_BYTES = 48;
    /** What the destination holds before open runs, to see that a failed open wipes it. */
    static final byte STALE = (byte) 0xAA;

    record Sealed(int status, byte[] ciphertext, byte[] tag) {
    }

    record Opened(int status, byte[] plaintext) {
    }

    private final NativeCode code;
    private final MethodHandle seal;
    private final MethodHandle open;
    private boolean outOfBoundsWrite;

    EmittedGcm() throws Throwable {
        Assembler a = new Assembler();
        AesGcmEmitter.Routines r = AesGcmEmitter.emit(a);
        byte[] bytes = a.finish();
        code = new NativeCode(bytes);
        FunctionDescriptor fd = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS);
        seal = code.function(a.offsetOf(r.seal()), fd);
        open = code.function(a.offsetOf(r.open()), fd);
    }

    Sealed seal(byte[] key, byte[] iv, byte[] aad, byte[] plaintext, boolean inPlace) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = guarded(arena, plaintext);
            MemorySegment dst = inPlace ? src : guarded(arena, new byte[plaintext.length]);
            MemorySegment tag = guarded(arena, new byte[SnpLayout.GCM_TAG_SIZE]);
            int status = call(seal, arena, key, iv, aad, src, dst, plaintext.length, tag);
            checkGuard(dst, plaintext.length);
            checkGuard(tag, SnpLayout.GCM_TAG_SIZE);
            return new Sealed(status, bytes(dst, plaintext.length), bytes(tag, SnpLayout.GCM_TAG_SIZE));
        }
    }

    Opened open(byte[] key, byte[] iv, byte[] aad, byte[] ciphertext, byte[] tag, boolean inPlace)
        throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = guarded(arena, ciphertext);
            byte[] stale = new byte[ciphertext.length];
            Arrays.fill(stale, STALE);
            MemorySegment dst = inPlace ? src : guarded(arena, stale);
            MemorySegment tagSeg = guarded(arena, tag);
            int status = call(open, arena, key, iv, aad, src, dst, ciphertext.length, tagSeg);
            checkGuard(dst, ciphertext.length);
            return new Opened(status, bytes(dst, ciphertext.length));
        }
    }

    /** Calls a routine with explicit lengths (to probe the length limit). */
    int sealWithLengths(long aadLength, long length) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment none = guarded(arena, new byte[0]);
            MemorySegment args = arena.allocate(SnpLayout.GCM_ARGS_SIZE, 16);
            args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_KEY, guarded(arena, new byte[32]).address());
            args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_IV, guarded(arena, new byte[12]).address());
            args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_AAD, none.address());
            args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_AAD_LENGTH, aadLength);
            args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_SOURCE, none.address());
            args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_DESTINATION, none.address());
            args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_LENGTH, length);
            args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_TAG, none.address());
            return (int) seal.invokeExact(args);
        }
    }

    boolean outOfBoundsWrite() {
        return outOfBoundsWrite;
    }

    private int call(MethodHandle routine, Arena arena, byte[] key, byte[] iv, byte[] aad, MemorySegment src,
                     MemorySegment dst, long length, MemorySegment tag) throws Throwable {
        if (key.length != SnpLayout.GCM_KEY_SIZE || iv.length != SnpLayout.GCM_IV_SIZE) {
            throw new IllegalArgumentException("key must be 32 bytes and IV 12 bytes");
        }
        MemorySegment args = arena.allocate(SnpLayout.GCM_ARGS_SIZE, 16);
        args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_KEY, guarded(arena, key).address());
        args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_IV, guarded(arena, iv).address());
        args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_AAD, guarded(arena, aad).address());
        args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_AAD_LENGTH, aad.length);
        args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_SOURCE, src.address());
        args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_DESTINATION, dst.address());
        args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_LENGTH, length);
        args.set(ValueLayout.JAVA_LONG, SnpLayout.GCM_TAG, tag.address());
        return (int) routine.invokeExact(args);
    }

    /** The data, followed by guard bytes, at an odd address so nothing relies on alignment. */
    private static MemorySegment guarded(Arena arena, byte[] data) {
        MemorySegment block = arena.allocate(data.length + GUARD_BYTES + 1, 16).asSlice(1);
        block.fill(GUARD);
        MemorySegment.copy(MemorySegment.ofArray(data), 0, block, 0, data.length);
        return block;
    }

    private void checkGuard(MemorySegment segment, int length) {
        for (int i = 0; i < GUARD_BYTES; i++) {
            if (segment.get(ValueLayout.JAVA_BYTE, length + i) != GUARD) {
                outOfBoundsWrite = true;
            }
        }
    }

    private static byte[] bytes(MemorySegment segment, int length) {
        return segment.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void close() throws Exception {
        code.close();
    }
}
