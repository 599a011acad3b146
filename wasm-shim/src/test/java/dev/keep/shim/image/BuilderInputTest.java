package dev.keep.shim.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class BuilderInputTest {
    private static void rejected(String expectedPart, Supplier<KeepImageBuilder> builder) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.get().build());
        assertTrue(e.getMessage().contains(expectedPart), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void invalidInputsAreRejectedWithOneLine() {
        byte[] code = TestImages.exitProgram(0);
        rejected("no code", () -> KeepImage.builder());
        rejected("no code", () -> KeepImage.builder().code(new byte[0], 0));
        rejected("entry offset", () -> KeepImage.builder().code(code, code.length));
        rejected("entry offset", () -> KeepImage.builder().code(code, -1));
        rejected("data size", () -> KeepImage.builder().code(code, 0).data(new byte[10], 5));
        rejected("stack size", () -> KeepImage.builder().code(code, 0).stackSize(100));
        rejected("stack size", () -> KeepImage.builder().code(code, 0).stackSize(1L << 30));
        rejected("multiple of 4096",
                () -> KeepImage.builder().code(code, 0).linearMemory(65536 + 1));
        rejected("multiple of 4096",
                () -> KeepImage.builder().code(code, 0).linearMemory(8L << 30));
        rejected("outside", () -> KeepImage.builder().code(code, 0).linearMemory(4096)
                .linearMemoryData(4090, new byte[10]));
        rejected("overlap", () -> KeepImage.builder().code(code, 0).linearMemory(8192)
                .linearMemoryData(0, new byte[10]).linearMemoryData(5, new byte[1]));
        rejected("CPU vendor", () -> KeepImage.builder().code(code, 0).cpu("Intel", 0));
        assertThrows(IllegalArgumentException.class,
                () -> KeepImage.builder().linearMemoryData(0, new byte[1])
                        .linearMemoryData(0, new byte[1]));
    }

    @Test
    void minimalKeepHasNoDataOrLinearMemoryRegions() {
        KeepImage image = KeepImage.builder().code(TestImages.exitProgram(3), 0).build();
        assertEquals(4L << 20, image.memorySize(), "system area, code page and 1 MiB stack");
        assertTrue(image.pageMap().virtualRegions().stream()
                .noneMatch(r -> r.role() == PageRole.DATA || r.role() == PageRole.LINEAR_MEMORY));
        assertEquals(PageRole.LINEAR_RESERVED, image.pageMap().virtualRegions().getLast().role());
        assertEquals(KeepLayout.LINEAR_MEMORY_RESERVATION,
                image.pageMap().virtualRegions().getLast().size());
    }

    @Test
    void fourGigabytesOfLinearMemoryFitTheTableArea() {
        KeepImage image = KeepImage.builder().code(TestImages.exitProgram(0), 0)
                .linearMemory(KeepLayout.LINEAR_MEMORY_MAX).build();
        ImageDecoder decoder = new ImageDecoder(image);
        long last = KeepLayout.LINEAR_MEMORY_ADDRESS + KeepLayout.LINEAR_MEMORY_MAX - 1;
        assertTrue(decoder.walk(last).present());
        assertFalse(decoder.walk(last + 1).present());
        assertTrue(decoder.tablePages().size() <= 15);
    }
}
