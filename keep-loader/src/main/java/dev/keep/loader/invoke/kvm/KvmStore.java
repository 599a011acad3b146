package dev.keep.loader.invoke.kvm;

import dev.keep.loader.KeepException;
import dev.keep.loader.invoke.InvalidModule;
import dev.keep.loader.invoke.KeepInstance;
import dev.keep.loader.invoke.KeepStore;
import dev.keep.loader.invoke.LinkFailure;
import dev.keep.loader.invoke.WasmTrap;
import dev.keep.loader.kvm.StoreCpu;
import dev.keep.loader.wasm.AppModule;
import dev.keep.shim.compiler.CompileException;
import dev.keep.shim.compiler.CompiledModule;
import dev.keep.shim.compiler.CompilerOptions;
import dev.keep.shim.compiler.ModuleCompiler;
import dev.keep.shim.store.GuestView;
import dev.keep.shim.store.Store;
import dev.keep.shim.store.StoreException;
import dev.keep.shim.store.StoreInstance;
import dev.keep.shim.store.StoreKeep;
import dev.keep.shim.store.StoreLinkException;
import dev.keep.shim.store.StoreTrap;
import java.io.OutputStream;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The kvm backend's {@link KeepStore}: one store keep (docs/hostcall-abi.md, "AWAIT") that every
 * module of the store is compiled by Keep's compiler and instantiated into, calls made by the keep.
 * Instances of one store share the keep, so they import each other's functions, globals, tables
 * and memories as the spec's {@code register} needs.
 */
public final class KvmStore implements KeepStore {
    /** How long one call may run before the keep is stopped (a spec script never comes close). */
    public static final Duration DEFAULT_CALL_LIMIT = Duration.ofSeconds(60);

    private final StoreSession session;
    private final Store store;
    private boolean closed;

    private KvmStore(StoreSession session, Store store) {
        this.session = session;
        this.store = store;
    }

    /**
     * Starts a store keep on {@code cpu}.
     *
     * @throws KeepException when the keep cannot start (no /dev/kvm, for one); one line
     */
    public static KvmStore start(StoreCpu cpu, Duration callLimit) {
        return start(cpu, callLimit, OutputStream.nullOutputStream(), OutputStream.nullOutputStream());
    }

    /**
     * Starts a store keep on {@code cpu} whose modules' WASI writes to fd 1 and 2 go to
     * {@code stdout} and {@code stderr} (they have no arguments, environment, stdin or files).
     *
     * @throws KeepException when the keep cannot start (no /dev/kvm, for one); one line
     */
    public static KvmStore start(StoreCpu cpu, Duration callLimit, OutputStream stdout, OutputStream stderr) {
        StoreKeep keep = StoreKeep.create();
        StoreSession session = StoreSession.start(cpu, keep.image(), callLimit, stdout, stderr);
        return new KvmStore(session, new Store(keep, new GuestView(session.memory(), keep.image()), session));
    }

    /** A factory for {@code keep wast}: a fresh store keep per script. */
    public static Supplier<KeepStore> on(StoreCpu cpu) {
        return () -> start(cpu, DEFAULT_CALL_LIMIT);
    }

    @Override
    public KeepInstance instantiate(AppModule module) {
        requireOpen();
        CompiledModule compiled;
        try {
            compiled = module.parse() == AppModule.Parse.CHICORY_VALIDATED
                    ? ModuleCompiler.compile(module.bytes(), module.module(), CompilerOptions.defaults())
                    : ModuleCompiler.compile(module.bytes(), CompilerOptions.defaults());
        } catch (CompileException e) {
            throw new InvalidModule(module.programName() + ": " + e.getMessage(), e);
        }
        return new KvmKeepInstance(this, module.programName(), run(() -> store.instantiate(compiled)));
    }

    @Override
    public void register(String name, KeepInstance instance) {
        requireOpen();
        if (!(instance instanceof KvmKeepInstance k) || k.store() != this) {
            throw new KeepException("register " + name + ": the instance is not one of this store's");
        }
        store.register(name, k.storeInstance());
    }

    @Override
    public void close() {
        closed = true;
        session.close();
    }

    private void requireOpen() {
        if (closed) {
            throw new KeepException("the kvm store is closed");
        }
    }

    /**
     * Runs a store operation, which reads or writes the keep's memory, with the store's exceptions
     * as the invoke API's; refused once the keep has ended (its memory is gone then).
     */
    <T> T run(Supplier<T> operation) {
        try {
            session.requireAlive();
            return operation.get();
        } catch (StoreTrap trap) {
            throw new WasmTrap(trap.getMessage(), trap);
        } catch (StoreLinkException unlinkable) {
            throw new LinkFailure(unlinkable.getMessage(), unlinkable);
        } catch (CompileException unsupported) {
            // A constant expression Wasm 2.0 does not allow, found while laying the module out.
            throw new InvalidModule(unsupported.getMessage(), unsupported);
        } catch (StoreException | IllegalArgumentException e) {
            throw new KeepException(e.getMessage(), e);
        }
    }
}
