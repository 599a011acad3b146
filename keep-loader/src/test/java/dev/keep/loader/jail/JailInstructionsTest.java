package dev.keep.loader.jail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.nil.CompiledClasses;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The supervisor's instructions and the runner's reports, as bytes on the channel. */
class JailInstructionsTest {
    private static JailInstructions sample(Optional<CompiledClasses> compiled) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("B", "2");
        env.put("A", "x".repeat(70_000)); // past writeUTF's 64 KiB
        return new JailInstructions("app.wasm", List.of("app.wasm", "ünï"), env, List.of("stdin", "stdout", "null"),
                List.of(new JailInstructions.DirGrant(Optional.of("data"), "/data", true),
                        new JailInstructions.SocketGrant(true, "listen 127.0.0.1:1")),
                true, EscapeAttempt.NONE, compiled);
    }

    @Test
    void instructionsSurviveTheTripWithAndWithoutCompiledClasses() {
        JailInstructions without = sample(Optional.empty());
        assertEquals(without, JailInstructions.decode(without.encode()));

        byte[] jar = new byte[300_000];
        Arrays.fill(jar, (byte) 0x5A);
        JailInstructions with = without.withCompiled(Optional.of(new CompiledClasses("sha-256:abc", jar, true)));
        JailInstructions decoded = JailInstructions.decode(with.encode());
        CompiledClasses classes = decoded.compiled().orElseThrow();
        assertEquals("sha-256:abc", classes.moduleDigest());
        assertArrayEquals(jar, classes.jar());
        assertTrue(classes.fromCache());
        assertEquals(without.env(), decoded.env());
        assertEquals(without.grants(), decoded.grants());
    }

    @Test
    void truncatedOrPaddedInstructionsAreRefused() {
        byte[] bytes = sample(Optional.of(new CompiledClasses("k", new byte[] {1, 2, 3}, false))).encode();
        for (int cut : new int[] {0, 1, bytes.length / 2, bytes.length - 1}) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            assertThrows(JailException.class, () -> JailInstructions.decode(truncated), "cut at " + cut);
        }
        byte[] padded = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(JailException.class, () -> JailInstructions.decode(padded));
    }

    @Test
    void reportsIncludingNotesSurviveTheTrip() {
        for (RunnerReport report : List.of(new RunnerReport.Exited(159), new RunnerReport.Trapped("unreachable"),
                new RunnerReport.Failed("bad"), new RunnerReport.Refused("no"), new RunnerReport.Note("nil: a line"))) {
            assertEquals(report, RunnerReport.decode(report.encode()));
        }
        assertThrows(JailException.class, () -> RunnerReport.decode(new byte[] {9}));
    }

    @Test
    void aRunnersNoteCannotCarryTerminalControls() {
        assertEquals("red?[31mtext??", JailSupervisor.printable("red\u001b[31mtext\r\n"));
    }
}
