package dev.keep.loader.invoke.kvm;

import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.loader.KeepException;
import dev.keep.loader.invoke.KeepInstance;
import dev.keep.loader.invoke.KeepMemory;
import dev.keep.shim.store.StoreInstance;
import java.util.List;

/**
 * An instance in a kvm store. The invoke API writes a null reference as -1 and a host reference as
 * its number (Chicory's convention, shared by every backend); in the keep null is 0, so a
 * reference crosses as its API value + 1.
 */
final class KvmKeepInstance implements KeepInstance {
    private final KvmStore store;
    private final String label;
    private final StoreInstance instance;

    KvmKeepInstance(KvmStore store, String label, StoreInstance instance) {
        this.store = store;
        this.label = label;
        this.instance = instance;
    }

    KvmStore store() {
        return store;
    }

    StoreInstance storeInstance() {
        return instance;
    }

    @Override
    public long[] invoke(String export, long... args) {
        var type = instance.functionType(export).orElseThrow(() -> missing("function", export));
        List<ValType> params = type.params();
        if (args.length != params.size()) {
            throw new KeepException(label + ": " + export + " takes " + params.size() + " arguments, got " + args.length);
        }
        long[] keepArgs = new long[args.length];
        for (int i = 0; i < args.length; i++) {
            keepArgs[i] = toKeep(params.get(i), args[i]);
        }
        long[] results = store.run(() -> instance.invoke(export, keepArgs));
        for (int k = 0; k < results.length; k++) {
            results[k] = fromKeep(type.returns().get(k), results[k]);
        }
        return results;
    }

    @Override
    public long global(String export) {
        ValType type = instance.globalType(export).orElseThrow(() -> missing("global", export));
        return fromKeep(type, store.run(() -> instance.global(export)));
    }

    @Override
    public void setGlobal(String export, long rawBits) {
        ValType type = instance.globalType(export).orElseThrow(() -> missing("global", export));
        store.run(() -> {
            instance.setGlobal(export, toKeep(type, rawBits));
            return null;
        });
    }

    @Override
    public KeepMemory memory() {
        List<String> names = instance.memoryNames();
        if (names.contains("memory")) {
            return memory("memory");
        }
        if (names.size() != 1) {
            throw new KeepException(label + ": exports " + names.size() + " memories and none is named \"memory\"");
        }
        return memory(names.get(0));
    }

    @Override
    public KeepMemory memory(String export) {
        if (!instance.memoryNames().contains(export)) {
            throw missing("memory", export);
        }
        return new KvmKeepMemory(store, instance.memory(export), label + ": memory " + export);
    }

    /** The store owns the instance's memory and code; they go with the store. */
    @Override
    public void close() {
    }

    private static boolean isReference(ValType type) {
        return type.equals(ValType.FuncRef) || type.equals(ValType.ExternRef);
    }

    private static long toKeep(ValType type, long value) {
        return isReference(type) ? value + 1 : value;
    }

    private static long fromKeep(ValType type, long value) {
        return isReference(type) ? value - 1 : value;
    }

    private KeepException missing(String kind, String export) {
        return new KeepException(label + ": exports no " + kind + " named \"" + export + "\"");
    }
}
