package dev.keep.loader.wasm;

import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.InvalidException;
import com.dylibso.chicory.wasm.MalformedException;
import com.dylibso.chicory.wasm.Parser;
import dev.keep.loader.KeepException;
import dev.keep.shim.compiler.CompileException;
import dev.keep.shim.compiler.WasmFrontEnd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads an app file and turns every way it can be wrong into one clear {@link KeepException}: missing,
 * not a file, not WebAssembly, a component instead of a core module, malformed, or failing validation.
 */
public final class AppModuleLoader {
    /** Upper bound on an app's size; far above any real wasm32 app, well below what would hurt the host. */
    public static final long MAX_MODULE_BYTES = 256L << 20;

    private static final byte[] MAGIC = {0x00, 0x61, 0x73, 0x6d};
    private static final byte[] CORE_VERSION = {0x01, 0x00, 0x00, 0x00};
    /** Component-model binaries share the magic but carry layer 1 in bytes 6..7. */
    private static final byte COMPONENT_LAYER = 0x01;

    private AppModuleLoader() {}

    public static AppModule load(Path path) {
        byte[] bytes = read(path);
        return parse(path, bytes);
    }

    private static byte[] read(Path path) {
        if (!Files.exists(path)) {
            throw new KeepException(path + ": no such file");
        }
        if (Files.isDirectory(path)) {
            throw new KeepException(path + ": is a directory, not a WebAssembly module");
        }
        try {
            long size = Files.size(path);
            if (size > MAX_MODULE_BYTES) {
                throw new KeepException(path + ": " + size + " bytes is larger than the " + MAX_MODULE_BYTES + "-byte limit for an app");
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new KeepException(path + ": cannot read: " + describe(e));
        }
    }

    private static AppModule parse(Path path, byte[] bytes) {
        if (bytes.length < 8 || !Arrays.equals(bytes, 0, 4, MAGIC, 0, 4)) {
            throw new KeepException(path + ": not a WebAssembly module (it does not start with \\0asm)");
        }
        if (bytes[6] == COMPONENT_LAYER) {
            throw new KeepException(path + ": is a WebAssembly component; Keep runs core modules (wasm32-wasip1)");
        }
        if (!Arrays.equals(bytes, 4, 8, CORE_VERSION, 0, 4)) {
            throw new KeepException(path + ": unsupported WebAssembly binary version "
                    + (bytes[4] & 0xff) + " (Keep runs version 1)");
        }
        try {
            return new AppModule(path, bytes, Parser.parse(bytes));
        } catch (MalformedException e) {
            throw new KeepException(path + ": malformed WebAssembly: " + e.getMessage(), e);
        } catch (InvalidException e) {
            return despiteChicorysValidator(path, bytes, e);
        } catch (ChicoryException | IndexOutOfBoundsException | IllegalArgumentException | IllegalStateException e) {
            // Chicory reports some truncated or garbled inputs with generic exceptions.
            throw new KeepException(path + ": malformed WebAssembly: " + describe(e), e);
        }
    }

    /**
     * Chicory's validator refused the module: Keep's front end ({@link WasmFrontEnd}), which works
     * around Chicory's known validator defects, decides whether it is valid after all. It is, for
     * example, when a block uses a type index of 64 or more, which Chicory misreads.
     */
    private static AppModule despiteChicorysValidator(Path path, byte[] bytes, InvalidException invalid) {
        WasmFrontEnd.ParsedModule parsed;
        try {
            parsed = WasmFrontEnd.parse(bytes);
        } catch (CompileException e) {
            throw new KeepException(path + ": invalid WebAssembly (fails validation): " + invalid.getMessage(), invalid);
        }
        return new AppModule(path, bytes, parsed.module(), parsed.validatedByChicory()
                ? AppModule.Parse.DECLARATIONS_SPELLED_OUT : AppModule.Parse.BLOCK_TYPES_MISREAD_BY_CHICORY);
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
