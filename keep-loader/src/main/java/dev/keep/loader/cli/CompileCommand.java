package dev.keep.loader.cli;

import dev.keep.loader.KeepException;
import dev.keep.loader.kvm.KeepCodeCache;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.AppModuleLoader;
import dev.keep.shim.compiler.CompileException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code keep compile}: compiles apps ahead of their first start. The machine code goes into
 * {@link KeepCodeCache}, where {@code keep run} on the kvm and sev-snp backends and {@code keep
 * measure} find it, so those start without compiling. One line per app; exit 1 when any failed.
 */
@Command(name = "compile", mixinStandardHelpOptions = true,
        description = {
            "Compile apps to x86-64 ahead of their first start, with the compiler the kvm and sev-snp backends use.",
            "The code goes to Keep's code cache (KEEP_CACHE_DIR, else XDG_CACHE_HOME/keep, else ~/.cache/keep):"
                + " 'keep run --backend kvm|sev-snp' and 'keep measure' then start without compiling."
                + " An entry is keyed by the module's bytes and the compiler's own, so a rebuilt Keep compiles again."
        })
public final class CompileCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    Verbosity verbosity;

    @Parameters(arity = "1..*", paramLabel = "APP.wasm", description = "The WebAssembly apps.")
    List<Path> apps = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KeepCodeCache cache = KeepCodeCache.forUser();
        int failed = 0;
        for (Path app : apps) {
            try {
                out.println(compile(cache, app));
            } catch (KeepException e) {
                err.println("keep: " + e.getMessage());
                failed++;
            }
            out.flush();
            err.flush();
        }
        return failed == 0 ? 0 : 1;
    }

    private static String compile(KeepCodeCache cache, Path app) {
        AppModule module = AppModuleLoader.load(app);
        try {
            return app + ": " + cache.compile(module).describe();
        } catch (CompileException e) {
            throw new KeepException(app + ": cannot compile: " + e.getMessage(), e);
        }
    }
}
