package dev.keep.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's two commands, {@code ./keep} and {@code ./mvnw}, on a machine without a JDK >= 25:
 * each must stop with one line naming what to install. The machine is simulated by a PATH that has
 * every usual tool but {@code java}, no JAVA_HOME, and KEEP_JDK_DIRS pointing at an empty folder.
 */
class LaunchersWithoutJdkTest {
    private static final Path ROOT = Path.of(System.getProperty("keep.projectRoot"));

    /** What the two scripts run before they look for a JDK; deliberately without java. */
    private static final List<String> TOOLS_BEFORE_THE_JDK_CHECK =
            List.of("bash", "sh", "dirname", "sed", "head", "readlink");

    @TempDir
    Path dir;

    @Test
    void keepLauncherNamesTheJdkToInstall() throws Exception {
        assertOneLine(run(List.of("bash", ROOT.resolve("keep").toString(), "--version")), "keep: needs a JDK 25 or newer");
    }

    @Test
    void mavenWrapperNamesTheJdkToInstall() throws Exception {
        assertOneLine(run(List.of("sh", ROOT.resolve("mvnw").toString(), "-v")), "mvnw: needs a JDK 25 or newer");
    }

    private static void assertOneLine(String[] result, String start) {
        assertEquals("1", result[0], result[1]);
        assertEquals(1, result[1].lines().count(), result[1]);
        assertTrue(result[1].startsWith(start) && result[1].contains("install one"), result[1]);
    }

    /** Runs {@code command}; returns {exit status, stderr}. */
    private String[] run(List<String> command) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : TOOLS_BEFORE_THE_JDK_CHECK) {
            Path found = Stream.of("/usr/bin", "/bin").map(f -> Path.of(f, tool)).filter(Files::isExecutable)
                    .findFirst().orElseThrow(() -> new IllegalStateException(tool + " is not installed"));
            // A copy, not a link: JUnit warns about links that point out of its temporary folder.
            Files.copy(found, bin.resolve(tool));
        }
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(false);
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("KEEP_JAVA_HOME");
        pb.environment().put("PATH", bin.toString());
        pb.environment().put("KEEP_JDK_DIRS", Files.createDirectories(dir.resolve("no-jdks")).toString());
        Process p = pb.start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher hung");
        return new String[] {String.valueOf(p.exitValue()), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)};
    }
}
