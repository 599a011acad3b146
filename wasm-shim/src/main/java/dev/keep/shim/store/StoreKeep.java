package dev.keep.shim.store;

import dev.keep.shim.abi.GuestHostcalls;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Label;
import dev.keep.shim.compiler.ContextLayout;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.KeepLayout;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.WasiRuntime;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The image of a store keep: a keep that starts with no app and runs whatever calls the host
 * hands it ({@link CallServer}), with three arenas the host fills as it instantiates modules:
 * code (user read+execute), data (contexts, records, descriptors; user read+write) and a large
 * one for linear memories and table entries (the keep's linear-memory region: 4 GiB of guest
 * memory, backed only where touched). Modules may import WASI preview1 from the keep's runtime
 * (no arguments, no environment, no files). The same image serves every store; what differs is what
 * the host writes into the arenas afterwards, so it is not an image to attest.
 */
public final class StoreKeep {
    /** Code arena: the server comes first, compiled modules and thunks follow. */
    public static final long CODE_BYTES = 48L << 20;
    /** Data arena: the runtime record first, then each instance's context and records. */
    public static final long DATA_BYTES = 48L << 20;
    /** Linear memories and table entries. */
    public static final long LARGE_BYTES = KeepLayout.LINEAR_MEMORY_MAX;

    private final KeepImage image;
    private final long codeStart;
    private final long runtimeRecord;
    private final Map<String, Extern> wasiFunctions;

    private StoreKeep(KeepImage image, long codeStart, long runtimeRecord, Map<String, Extern> wasiFunctions) {
        this.image = image;
        this.codeStart = codeStart;
        this.runtimeRecord = runtimeRecord;
        this.wasiFunctions = wasiFunctions;
    }

    /** Builds the image (the same bytes every time). */
    public static StoreKeep create() {
        Assembler a = new Assembler(KeepLayout.USER_CODE_ADDRESS);
        GuestHostcalls.Routines hostcalls = GuestHostcalls.emit(a);
        // WASI for the modules that import it: no arguments, no environment, the store's streams.
        WasiRuntime.Emitted wasi = WasiRuntime.emit(a, hostcalls, KeepLayout.USER_DATA_ADDRESS, List.of(), List.of());
        a.align(16);
        Label entry = CallServer.emit(a, hostcalls, wasi.flushStdio());
        a.align(64);
        byte[] server = a.finish();
        long entryOffset = a.offsetOf(entry);
        Map<String, Extern> wasiFunctions = new HashMap<>();
        wasi.routines().forEach((name, label) -> wasiFunctions.put(name, Extern.Function.hostThunk(
                KeepLayout.USER_CODE_ADDRESS + a.offsetOf(label), wasi.types().get(name))));

        // The runtime record every instance shares: one thread, one Wasm stack (below the
        // server's own stack at the top of the stack region, as in an app's keep).
        long stackBottom = KeepLayout.USER_STACK_TOP - KeepLinker.STACK_BYTES;
        int runtimeOffset = (wasi.data().length + 15) & ~15;
        ByteBuffer data = ByteBuffer.allocate(runtimeOffset + ContextLayout.RUNTIME_RECORD_BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        data.put(wasi.data());
        data.putLong(runtimeOffset + ContextLayout.RT_STACK_LIMIT, stackBottom + KeepLinker.STACK_MARGIN);
        data.putLong(runtimeOffset + ContextLayout.RT_STACK_TOP,
                KeepLayout.USER_STACK_TOP - KeepLinker.RUNTIME_STACK_BYTES);

        KeepImage image = KeepImage.builder()
                .code(server, entryOffset)
                .codeCapacity(CODE_BYTES)
                .data(data.array(), DATA_BYTES)
                .stackSize(KeepLinker.STACK_BYTES)
                .linearMemory(LARGE_BYTES)
                .build();
        return new StoreKeep(image, KeepLayout.USER_CODE_ADDRESS + server.length,
                KeepLayout.USER_DATA_ADDRESS + runtimeOffset, Map.copyOf(wasiFunctions));
    }

    /** The WASI preview1 functions the keep's runtime provides, by import name. */
    Map<String, Extern> wasiFunctions() {
        return wasiFunctions;
    }

    public KeepImage image() {
        return image;
    }

    /** First free byte of the code arena. */
    long codeStart() {
        return codeStart;
    }

    long codeEnd() {
        return KeepLayout.USER_CODE_ADDRESS + CODE_BYTES;
    }

    /** First free byte of the data arena. */
    long dataStart() {
        return runtimeRecord + ContextLayout.RUNTIME_RECORD_BYTES;
    }

    long dataEnd() {
        return KeepLayout.USER_DATA_ADDRESS + DATA_BYTES;
    }

    long largeStart() {
        return KeepLayout.LINEAR_MEMORY_ADDRESS;
    }

    long largeEnd() {
        return KeepLayout.LINEAR_MEMORY_ADDRESS + LARGE_BYTES;
    }

    /** The runtime record shared by every instance of the store. */
    long runtimeRecord() {
        return runtimeRecord;
    }
}
