package dev.keep.loader.jail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/**
 * The shared libraries this JVM has mapped from outside its JDK, read from /proc/self/maps: the same
 * JDK in the jail maps the same ones (libc, libm, the loader), so binding exactly these gives the
 * runner what it links and nothing else of the host's /usr.
 */
final class SystemLibraries {
    private SystemLibraries() {}

    static List<Path> mappedOutside(Path javaHome) {
        TreeSet<Path> libraries = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                String file = line.substring(slash);
                Path path = Path.of(file);
                String name = path.getFileName().toString();
                boolean sharedObject = name.endsWith(".so") || name.contains(".so.");
                if (sharedObject && !path.startsWith(javaHome) && !file.endsWith(" (deleted)") && Files.isRegularFile(path)) {
                    libraries.add(path);
                }
            }
        } catch (IOException e) {
            throw new JailException("cannot read /proc/self/maps to find the JVM's libraries: " + e.getMessage());
        }
        return List.copyOf(libraries);
    }
}
