package dev.keep.loader.cli;

import static dev.keep.loader.cli.CliRun.keep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code keep --version}, {@code --help} and the help of each subcommand. */
class TopLevelCommandsTest {
    @Test
    void versionNamesKeepAndTheJavaRuntime() {
        CliRun.Result r = keep("--version");
        assertEquals(0, r.exit());
        assertTrue(r.out().matches("(?s)keep \\d+\\.\\d+\\.\\d+.*\\nJava 2[5-9].*"), r.out());
    }

    @Test
    void helpListsTheSubcommands() {
        CliRun.Result r = keep("--help");
        assertEquals(0, r.exit());
        for (String sub : new String[] {"run", "platform", "attest"}) {
            assertTrue(r.out().contains(sub), r.out());
        }
    }

    @Test
    void runHelpDocumentsTheOptionsAndExitCodes() {
        CliRun.Result r = keep("run", "--help");
        assertEquals(0, r.exit());
        for (String option : new String[] {"--backend", "--config", "--env", "--dir", "-v", "134"}) {
            assertTrue(r.out().contains(option), option + " missing from: " + r.out());
        }
    }
}
