package dev.keep.loader.attest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.keep.loader.nil.NilMeasurement;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The nil backend's measurement follows its documented layout and covers module, argv and environment. */
class NilMeasurementTest {
    private static final byte[] MODULE = "\0asm\1\0\0\0".getBytes(StandardCharsets.ISO_8859_1);

    @Test
    void matchesTheDocumentedLayout() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MODE", "dev");
        env.put("CITY", "Zürich");
        List<String> argv = List.of("app.wasm", "--port", "8080");
        byte[] measured = NilMeasurement.of(MODULE, argv, env);
        assertEquals(48, measured.length);
        assertArrayEquals(DocumentedNilMeasurement.of(MODULE, argv, env), measured);
    }

    @Test
    void everyInputChangesIt() {
        byte[] base = NilMeasurement.of(MODULE, List.of("a.wasm"), Map.of());
        byte[] otherModule = Arrays.copyOf(MODULE, MODULE.length + 1);
        assertFalse(Arrays.equals(base, NilMeasurement.of(otherModule, List.of("a.wasm"), Map.of())));
        assertFalse(Arrays.equals(base, NilMeasurement.of(MODULE, List.of("b.wasm"), Map.of())));
        assertFalse(Arrays.equals(base, NilMeasurement.of(MODULE, List.of("a.wasm"), Map.of("X", ""))));
        // Length prefixes keep argument boundaries: ["ab"] and ["a", "b"] differ.
        assertFalse(Arrays.equals(NilMeasurement.of(MODULE, List.of("ab"), Map.of()),
                NilMeasurement.of(MODULE, List.of("a", "b"), Map.of())));
        assertArrayEquals(base, NilMeasurement.of(MODULE.clone(), List.of("a.wasm"), Map.of()));
    }
}
