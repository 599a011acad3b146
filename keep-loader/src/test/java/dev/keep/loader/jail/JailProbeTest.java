package dev.keep.loader.jail;

import dev.keep.loader.cli.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.backend.Availability;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The jail's host check and its line in {@code keep platform info}. */
class JailProbeTest {
    @Test
    void thisHostCanJail() {
        // CI installs bubblewrap; user namespaces and seccomp are on here.
        Availability jail = JailProbe.probe();
        assertTrue(jail.available(), jail.detail());
        assertTrue(jail.detail().contains("cgroup limits "), jail.detail());
    }

    @Test
    void platformInfoHasAJailLine() {
        CliRun.Result r = CliRun.keepWithStdin("", "platform", "info");
        assertEquals(0, r.exit(), r.err());
        String line = r.out().lines().filter(l -> l.trim().startsWith("jail ")).findFirst().orElse("(none)");
        assertTrue(line.matches("\\s+jail\\s+available: bubblewrap namespaces .*"), line);
        CliRun.Result json = CliRun.keepWithStdin("", "platform", "info", "--json");
        assertTrue(json.out().contains("\"jail\" : {"), json.out());
    }

    @Test
    void theRunnersRootMirrorsTheLoaderPathThroughItsLinks() {
        Path javaHome = BwrapCommand.javaHome();
        Path interpreter = JailRoot.interpreterOf(javaHome.resolve("bin/java"));
        assertTrue(interpreter.toString().startsWith("/"), interpreter.toString());
        JailRoot root = new JailRoot(javaHome, List.of(), Path.of("/nonexistent/channel"));
        List<String> args = root.mountArguments();
        assertEquals(List.of("--tmpfs", "/"), args.subList(0, 2));
        assertEquals(List.of("--remount-ro", "/"), args.subList(args.size() - 2, args.size()));
        assertTrue(args.stream().noneMatch(a -> a.equals("/etc") || a.startsWith("/etc/") || a.startsWith("/home")), args.toString());
        String bound = String.join(" ", args);
        assertTrue(bound.contains(interpreter.getFileName().toString()), bound);
        assertTrue(bound.contains("libc.so.6"), bound);
    }
}
