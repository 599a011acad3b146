package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.keep.shim.asm.Assembler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link CompiledModule} as bytes, for an on-disk cache of compiled code: the machine code and
 * its function and trampoline offsets. The module's metadata is not stored: it is read again from
 * the Wasm bytes, which the stored form names by their SHA-256, with Chicory's parser but without
 * its validator (the module was validated when it was compiled; validation is about half of what a
 * compile costs).
 *
 * <p>Layout: magic {@code "KEEPCODE"}, format version, SHA-256 of the Wasm, bounds-check mode,
 * function count, each function's code offset and entry-trampoline offset, code length, code,
 * and last the SHA-256 of everything before it (a truncated or damaged entry is refused, not run).
 */
public final class CompiledModuleFormat {
    private static final long MAGIC = 0x4B454550434F4445L; // "KEEPCODE"
    private static final int VERSION = 1;

    private CompiledModuleFormat() {
    }

    /** The stored form of {@code compiled}, which was compiled from {@code wasm}. */
    public static byte[] write(byte[] wasm, CompiledModule compiled) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(compiled.codeSize() + 64 + 8 * compiled.functionCount());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(MAGIC);
            out.writeInt(VERSION);
            out.write(sha256(wasm));
            out.writeByte(compiled.options().boundsChecks().ordinal());
            out.writeInt(compiled.functionCount());
            for (int f = 0; f < compiled.functionCount(); f++) {
                out.writeInt(compiled.functionOffset(f));
                out.writeInt(compiled.entryOffset(f));
            }
            byte[] code = compiled.code();
            out.writeInt(code.length);
            out.write(code);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] body = bytes.toByteArray();
        byte[] stored = Arrays.copyOf(body, body.length + 32);
        System.arraycopy(sha256(body), 0, stored, body.length, 32);
        return stored;
    }

    /**
     * The compiled module that {@code stored} holds for {@code wasm}.
     *
     * @throws CompileException when {@code stored} is damaged, of another format version, or not
     *     the code of this module compiled with these options (the caller then compiles afresh)
     */
    public static CompiledModule read(byte[] wasm, byte[] stored, CompilerOptions options) {
        return read(wasm, Optional.empty(), stored, options);
    }

    /**
     * As {@link #read(byte[], byte[], CompilerOptions)}, with {@code wasm} already parsed by the
     * caller (by Chicory, from exactly these bytes), which saves parsing it again.
     */
    public static CompiledModule read(byte[] wasm, Optional<WasmModule> parsed, byte[] stored, CompilerOptions options) {
        if (stored.length < 32 || !MessageDigest.isEqual(sha256(Arrays.copyOf(stored, stored.length - 32)),
                Arrays.copyOfRange(stored, stored.length - 32, stored.length))) {
            throw new CompileException("stored code is damaged (checksum)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored, 0, stored.length - 32))) {
            if (in.readLong() != MAGIC || in.readInt() != VERSION) {
                throw new CompileException("stored code is of another format");
            }
            byte[] wasmHash = new byte[32];
            in.readFully(wasmHash);
            if (!MessageDigest.isEqual(wasmHash, sha256(wasm))) {
                throw new CompileException("stored code is for another module");
            }
            if (in.readUnsignedByte() != options.boundsChecks().ordinal()) {
                throw new CompileException("stored code has other bounds checks");
            }
            WasmModule module = parsed.isPresent() ? parsed.get() : unvalidated(wasm);
            ModuleInfo info = new ModuleInfo(new WasmFrontEnd.ParsedModule(module, wasm, Map.of(), false),
                    new Assembler(), options);
            int n = in.readInt();
            if (n != info.functionTypes.size()) {
                throw new CompileException("stored code has " + n + " functions, the module " + info.functionTypes.size());
            }
            int[] functionOffsets = new int[n];
            int[] entryOffsets = new int[n];
            for (int f = 0; f < n; f++) {
                functionOffsets[f] = in.readInt();
                entryOffsets[f] = in.readInt();
            }
            int length = in.readInt();
            if (length < 0 || length != in.available()) {
                throw new CompileException("stored code has a bad length");
            }
            byte[] code = in.readNBytes(length);
            for (int f = 0; f < n; f++) {
                if (functionOffsets[f] < 0 || functionOffsets[f] >= length || entryOffsets[f] < 0 || entryOffsets[f] >= length) {
                    throw new CompileException("stored code has an offset outside its code");
                }
            }
            return new CompiledModule(code, functionOffsets, entryOffsets, info);
        } catch (IOException e) {
            throw new CompileException("stored code is truncated");
        } catch (ChicoryException e) {
            throw new CompileException("stored code names a module Chicory cannot parse: " + e.getMessage(), e);
        }
    }

    /** The module parsed without validation; block types are only needed when compiling. */
    private static WasmModule unvalidated(byte[] wasm) {
        return Parser.builder().withValidation(false).build().parse(() -> new ByteArrayInputStream(wasm));
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
