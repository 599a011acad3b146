package dev.keep.loader.jail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The bubblewrap mount arguments for the runner's root: an empty tmpfs, remounted read-only, holding
 * the JDK, the system libraries the JVM maps (the dynamic loader, libc and the few glibc libraries the
 * JDK links), Keep's class path, four harmless devices, a /proc for the new PID namespace, and the
 * channel socket. No /etc, /home, /tmp, /usr/bin or /sys: host paths the runner could name do not exist.
 */
final class JailRoot {
    static final String JDK = "/keep/jdk";
    static final String CLASSPATH = "/keep/cp";
    static final String CHANNEL = "/keep/channel";
    private static final List<String> DEVICES = List.of("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom");
    private static final int PT_INTERP = 3;

    private final List<String> args = new ArrayList<>();
    private final Set<String> mirrored = new LinkedHashSet<>();
    private final List<String> classPath = new ArrayList<>();

    /**
     * @param javaHome the JDK the runner runs on (the supervisor's own)
     * @param hostClassPath the supervisor's class path entries (Keep's jars or class folders)
     * @param channelSocket the supervisor's listening socket on the host
     */
    JailRoot(Path javaHome, List<Path> hostClassPath, Path channelSocket) {
        this(javaHome, hostClassPath, channelSocket, new ArchiveUse.None());
    }

    /** As above, with the runner's class-data archive (or its training folder) mounted too. */
    JailRoot(Path javaHome, List<Path> hostClassPath, Path channelSocket, ArchiveUse archive) {
        args.addAll(List.of("--tmpfs", "/"));
        args.addAll(List.of("--ro-bind", javaHome.toString(), JDK));
        mirror(interpreterOf(javaHome.resolve("bin/java")));
        for (Path library : SystemLibraries.mappedOutside(javaHome)) {
            mirror(library);
        }
        for (int i = 0; i < hostClassPath.size(); i++) {
            Path entry = hostClassPath.get(i);
            String inJail = CLASSPATH + "/" + i + "-" + entry.getFileName();
            args.addAll(List.of("--ro-bind", entry.toString(), inJail));
            classPath.add(inJail);
        }
        for (String device : DEVICES) {
            args.addAll(List.of("--dev-bind", device, device));
        }
        args.addAll(List.of("--proc", "/proc"));
        args.addAll(List.of("--ro-bind", channelSocket.toString(), CHANNEL));
        args.addAll(archive.mounts());
        args.addAll(List.of("--remount-ro", "/"));
    }

    List<String> mountArguments() {
        return List.copyOf(args);
    }

    /** The class path as the runner sees it. */
    String runnerClassPath() {
        return String.join(":", classPath);
    }

    /**
     * Makes {@code path} resolve inside the jail as on the host: every symbolic link on the way
     * (/lib64 -> usr/lib64 on merged-/usr systems) is recreated, and the file it ends at is bound read-only.
     */
    private void mirror(Path path) {
        Path current = Path.of("/");
        Path rest = path.isAbsolute() ? Path.of("/").relativize(path) : path;
        int hops = 0;
        while (rest.getNameCount() > 0 && !rest.toString().isEmpty()) {
            Path next = current.resolve(rest.getName(0));
            rest = rest.getNameCount() > 1 ? rest.subpath(1, rest.getNameCount()) : Path.of("");
            if (Files.isSymbolicLink(next)) {
                if (++hops > 40) {
                    throw new JailException("too many symbolic links resolving " + path);
                }
                Path target = readLink(next);
                if (mirrored.add(next.toString())) {
                    args.addAll(List.of("--symlink", target.toString(), next.toString()));
                }
                Path resolved = current.resolve(target).normalize();
                rest = rest.toString().isEmpty() ? Path.of("/").relativize(resolved) : Path.of("/").relativize(resolved).resolve(rest);
                current = Path.of("/");
            } else {
                current = next;
            }
        }
        if (mirrored.add(current.toString())) {
            args.addAll(List.of("--ro-bind", current.toString(), current.toString()));
        }
    }

    private static Path readLink(Path link) {
        try {
            return Files.readSymbolicLink(link);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ELF program interpreter (PT_INTERP) of {@code binary}: the dynamic loader the kernel maps for it. */
    static Path interpreterOf(Path binary) {
        try {
            ByteBuffer elf = ByteBuffer.wrap(Files.readAllBytes(binary)).order(ByteOrder.LITTLE_ENDIAN);
            long phoff = elf.getLong(0x20);
            int phentsize = Short.toUnsignedInt(elf.getShort(0x36));
            int phnum = Short.toUnsignedInt(elf.getShort(0x38));
            for (int i = 0; i < phnum; i++) {
                int header = (int) (phoff + (long) i * phentsize);
                if (elf.getInt(header) == PT_INTERP) {
                    int offset = (int) elf.getLong(header + 0x08);
                    int size = (int) elf.getLong(header + 0x20);
                    String interp = new String(elf.array(), offset, size, StandardCharsets.US_ASCII);
                    return Path.of(interp.substring(0, interp.indexOf('\0') < 0 ? interp.length() : interp.indexOf('\0')));
                }
            }
            throw new JailException(binary + " has no program interpreter (not a dynamically linked ELF executable)");
        } catch (IOException | RuntimeException e) {
            if (e instanceof JailException je) {
                throw je;
            }
            throw new JailException("cannot read the ELF headers of " + binary + ": " + e.getMessage());
        }
    }
}
