package dev.keep.loader.nil;

import com.dylibso.chicory.compiler.Cache;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.WasmModule;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The JVM classes Chicory's compiler makes for one module, as the jar its {@link Cache} holds, under
 * the key Chicory looks them up by (the module's digest). A jail supervisor makes these and hands
 * them to its runner, so that the runner, which may not write Keep's cache (a cache it could write
 * to would let it plant code that later runs unjailed), need not compile either.
 *
 * @param moduleDigest {@link WasmModule#digest()} of the module they were compiled from
 * @param jar the classes, as Chicory stores them in its cache
 * @param fromCache whether they came from the user's cache (else they were compiled just now)
 */
public record CompiledClasses(String moduleDigest, byte[] jar, boolean fromCache) {

    /**
     * The module's classes from the user's compiled-module cache, or compiled now (and put in that
     * cache) when it has none. Empty when Chicory cannot compile the module (the runner then falls
     * back as the unjailed backend does) or the module has no digest.
     */
    public static Optional<CompiledClasses> of(WasmModule module, Consumer<String> verbose) {
        return of(module, CompiledModuleCache.forUser(), verbose);
    }

    /** As {@link #of(WasmModule, Consumer)}, with this cache (or none) in place of the user's. */
    static Optional<CompiledClasses> of(WasmModule module, Optional<CompiledModuleCache> userCache,
            Consumer<String> verbose) {
        String digest = module.digest();
        if (digest == null) {
            return Optional.empty();
        }
        try {
            if (userCache.isPresent()) {
                byte[] cached = userCache.get().get(digest);
                if (cached != null) {
                    return Optional.of(new CompiledClasses(digest, cached, true));
                }
            }
            RecordingCache recording = new RecordingCache(userCache);
            NilBackend.compiler(module).withCache(recording).compile();
            return recording.stored().map(jar -> new CompiledClasses(digest, jar, false));
        } catch (IOException | ChicoryException e) {
            verbose.accept("nil: cannot compile ahead for the runner (" + e.getMessage() + ")");
            return Optional.empty();
        } catch (RuntimeException e) {
            // Chicory's compiler on a module it cannot take: the runner falls back on its own.
            verbose.accept("nil: cannot compile ahead for the runner (" + e + ")");
            return Optional.empty();
        }
    }

    /**
     * A cache holding just these classes, for {@link MachineFactoryCompiler.Builder#withCache}: it
     * answers the one key and keeps nothing it is given.
     */
    Cache asCache() {
        return new Cache() {
            @Override
            public byte[] get(String key) {
                return moduleDigest.equals(key) ? jar : null;
            }

            @Override
            public void putIfAbsent(String key, byte[] data) {
                // Read-only: a runner's compilation is not kept.
            }
        };
    }

    /** Passes everything to the user's cache (when there is one) and remembers what Chicory stored. */
    private static final class RecordingCache implements Cache {
        private final Optional<CompiledModuleCache> backing;
        private byte[] stored;

        RecordingCache(Optional<CompiledModuleCache> backing) {
            this.backing = backing;
        }

        @Override
        public byte[] get(String key) throws IOException {
            // Another run may have filled the cache since we looked: then Chicory stores nothing.
            byte[] found = backing.isPresent() ? backing.get().get(key) : null;
            if (found != null) {
                stored = found;
            }
            return found;
        }

        @Override
        public void putIfAbsent(String key, byte[] data) throws IOException {
            stored = data;
            if (backing.isPresent()) {
                backing.get().putIfAbsent(key, data);
            }
        }

        Optional<byte[]> stored() {
            return Optional.ofNullable(stored);
        }
    }
}
