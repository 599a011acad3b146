package dev.keep.sev.launch;

import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.KeepImageBuilder;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.LaunchConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Keep images for the launch tests: real images from the image builder and the linker. */
final class LaunchTestImages {
    private LaunchTestImages() {
    }

    /**
     * The smallest module KeepLinker accepts, encoded by hand: one type {@code [] -> []}, one
     * function with an empty body, exported as {@code _start}, and a one-page memory with a data
     * segment {@code "keep"} at offset 16, so linear memory has an initialized page.
     */
    static byte[] minimalWasm() {
        ByteArrayOutputStream w = new ByteArrayOutputStream();
        w.writeBytes(new byte[] {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00});
        section(w, 1, new byte[] {0x01, 0x60, 0x00, 0x00});                 // type: func [] -> []
        section(w, 3, new byte[] {0x01, 0x00});                             // function 0 has type 0
        section(w, 5, new byte[] {0x01, 0x00, 0x01});                       // memory: min 1 page
        byte[] name = "_start".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream export = new ByteArrayOutputStream();
        export.write(1);
        export.write(name.length);
        export.writeBytes(name);
        export.write(0x00);                                                  // function export
        export.write(0x00);                                                  // index 0
        section(w, 7, export.toByteArray());
        section(w, 10, new byte[] {0x01, 0x02, 0x00, 0x0b});                 // body: no locals, end
        section(w, 11, new byte[] {0x01, 0x00, 0x41, 0x10, 0x0b, 0x04, 'k', 'e', 'e', 'p'}); // data at i32.const 16
        return w.toByteArray();
    }

    static KeepImage linked(String appName, String... args) {
        return KeepLinker.link(minimalWasm(), LaunchConfig.of(appName, args));
    }

    /** The C-bit position of EPYC Milan and Genoa, which SNP test images are built for. */
    static final int C_BIT = 51;

    /** An image straight from the builder: code, partly initialized data, stack, linear memory with a segment. */
    static KeepImage built() {
        return builder().build();
    }

    /** {@link #built()} in SEV-SNP mode for {@code cBitPosition}: what an SNP launch launches. */
    static KeepImage snp(int cBitPosition) {
        return builder().snp(cBitPosition).build();
    }

    /** {@link #snp(int)} for {@link #C_BIT}. */
    static KeepImage snp() {
        return snp(C_BIT);
    }

    private static KeepImageBuilder builder() {
        byte[] code = new byte[5000];
        for (int i = 0; i < code.length; i++) {
            code[i] = (byte) (0x90 + i % 7);
        }
        return KeepImage.builder()
                .code(code, 16)
                .data(new byte[] {1, 2, 3}, 3 * 4096)
                .stackSize(64 * 1024)
                .linearMemory(4 * 65536)
                .linearMemoryData(70_000, new byte[] {9, 9, 9});
    }

    private static void section(ByteArrayOutputStream w, int id, byte[] body) {
        w.write(id);
        w.write(body.length);   // every section here is shorter than 128 bytes: one LEB128 byte
        w.writeBytes(body);
    }
}
