package dev.keep.loader.kvm;

import com.dylibso.chicory.wasm.WasmModule;
import dev.keep.loader.CacheFiles;
import dev.keep.loader.KeepCacheDir;
import dev.keep.loader.wasm.AppModule;
import dev.keep.shim.compiler.CompileException;
import dev.keep.shim.compiler.CompiledModule;
import dev.keep.shim.compiler.CompiledModuleFormat;
import dev.keep.shim.compiler.CompilerIdentity;
import dev.keep.shim.compiler.CompilerOptions;
import dev.keep.shim.compiler.ModuleCompiler;
import dev.keep.shim.link.KeepLinker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The keep's machine code for a module, kept on disk so that starting the same app again does not
 * compile it again (Enarx compiles every workload at every start). An entry is named by the
 * SHA-256 of the compiler's identity ({@link CompilerIdentity}: its own classes and Chicory's
 * parser), the compiler options and the module's bytes, so another Keep build or another module
 * never finds it. The image built from cached code is byte-identical to one built from fresh code,
 * so an SEV-SNP measurement does not depend on the cache; a damaged entry is refused by its
 * checksum and compiled afresh. Nothing here is needed for correctness: any entry may be deleted.
 *
 * <p>Only the user's own processes write the folder ({@link KeepCacheDir}); a jailed runner is
 * never given it.
 */
public final class KeepCodeCache implements KeepLinker.CodeSupplier {
    private final Optional<Path> dir;
    private final CompilerOptions options;

    private KeepCodeCache(Optional<Path> dir, CompilerOptions options) {
        this.dir = dir;
        this.options = options;
    }

    /** The per-user cache ({@link KeepCacheDir} with {@code keep-code/} appended). */
    public static KeepCodeCache forUser() {
        return in(KeepCacheDir.base().resolve("keep-code"));
    }

    /** A cache in {@code dir}; when the folder cannot be made, every call compiles. */
    public static KeepCodeCache in(Path dir) {
        Optional<Path> usable;
        try {
            usable = Optional.of(Files.createDirectories(dir));
        } catch (IOException | SecurityException e) {
            usable = Optional.empty();
        }
        return new KeepCodeCache(usable, CompilerOptions.defaults());
    }

    /**
     * A module's code and where it came from.
     *
     * @param fromCache whether it was read from the cache (else compiled just now)
     * @param stored whether the cache holds it now
     * @param millis how long getting it took
     */
    public record Result(CompiledModule code, boolean fromCache, boolean stored, long millis) {
        /** One line for verbose output and {@code keep compile}. */
        public String describe() {
            String size = code.functionCount() + " functions, " + (code.codeSize() + 1023L) / 1024 + " KiB of x86-64 code";
            if (fromCache) {
                return size + " (in Keep's code cache)";
            }
            return size + " (compiled in " + millis + " ms" + (stored ? ", cached)" : "; the cache is not writable)");
        }
    }

    /** @throws CompileException when the module does not compile */
    @Override
    public CompiledModule compile(byte[] wasm) {
        return lookUp(wasm, Optional.empty()).code();
    }

    /**
     * This cache for an app Keep has loaded ({@link AppModule}), whose bytes are the ones linked: its
     * parse is reused, on a hit for the module's metadata, and on a miss, when it is Chicory's
     * validated parse of exactly these bytes, to compile without parsing and validating them again.
     *
     * @param verbose told where the code came from ({@link Result#describe()})
     */
    public KeepLinker.CodeSupplier forApp(AppModule app, Consumer<String> verbose) {
        return wasm -> {
            Result result = lookUp(wasm, Arrays.equals(wasm, app.bytes()) ? Optional.of(app) : Optional.empty());
            verbose.accept("code: " + result.describe());
            return result.code();
        };
    }

    /** The app's code from the cache, or compiled now and stored. */
    public Result compile(AppModule app) {
        return lookUp(app.bytes(), Optional.of(app));
    }

    private Result lookUp(byte[] wasm, Optional<AppModule> app) {
        long start = System.nanoTime();
        Optional<Path> entry = entry(wasm);
        if (entry.isPresent()) {
            Optional<CompiledModule> cached = cached(entry.get(), wasm, app.map(AppModule::module));
            if (cached.isPresent()) {
                return new Result(cached.get(), true, true, (System.nanoTime() - start) / 1_000_000);
            }
        }
        CompiledModule compiled = app.filter(a -> a.parse() == AppModule.Parse.CHICORY_VALIDATED)
                .map(validated -> ModuleCompiler.compile(wasm, validated.module(), options))
                .orElseGet(() -> ModuleCompiler.compile(wasm, options));
        long millis = (System.nanoTime() - start) / 1_000_000;
        boolean stored = false;
        if (entry.isPresent()) {
            try {
                CacheFiles.write(entry.get(), CompiledModuleFormat.write(wasm, compiled));
                stored = true;
            } catch (IOException e) {
                // A full or read-only disk only costs the next start a compile.
            }
        }
        return new Result(compiled, false, stored, millis);
    }

    /** Whether an entry for this module exists (for tests and verbose output). */
    public boolean holds(byte[] wasm) {
        return entry(wasm).map(Files::isRegularFile).orElse(false);
    }

    private Optional<CompiledModule> cached(Path entry, byte[] wasm, Optional<WasmModule> parsed) {
        try {
            Optional<byte[]> stored = CacheFiles.read(entry);
            return stored.map(bytes -> CompiledModuleFormat.read(wasm, parsed, bytes, options));
        } catch (IOException | CompileException e) {
            return Optional.empty();
        }
    }

    private Optional<Path> entry(byte[] wasm) {
        Optional<String> compiler = CompilerIdentity.current();
        if (dir.isEmpty() || compiler.isEmpty()) {
            return Optional.empty();
        }
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(compiler.get().getBytes(StandardCharsets.UTF_8));
            digest.update(options.boundsChecks().name().getBytes(StandardCharsets.UTF_8));
            digest.update(wasm);
            return Optional.of(dir.get().resolve(HexFormat.of().formatHex(digest.digest()) + ".code"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
