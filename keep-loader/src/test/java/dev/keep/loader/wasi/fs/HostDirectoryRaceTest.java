package dev.keep.loader.wasi.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Races a host thread that keeps rearranging the tree against a guest-side thread that opens paths
 * through it thousands of times. Whatever the interleaving, every file that opens must be the one
 * inside the jail, recognised by its content; refusals are allowed. Both outcomes must actually
 * occur, so the race was really run.
 */
class HostDirectoryRaceTest {
    private static final int AT_FDCWD = -100;
    private static final int OPENS = 20_000;
    private static final Set<WasiErrno> ALLOWED_REFUSALS =
            Set.of(WasiErrno.NOTCAPABLE, WasiErrno.NOENT, WasiErrno.NOTDIR);

    @TempDir
    Path base;

    /** Swaps two names atomically with renameat2(RENAME_EXCHANGE), or moves one (flags 0). */
    private static void renameat2(Path from, Path to, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocateFrom(from.toString());
            MemorySegment b = arena.allocateFrom(to.toString());
            int result = FsNative.renameat2(AT_FDCWD, a, AT_FDCWD, b, flags);
            if (result < 0) {
                throw new IllegalStateException("renameat2 " + from + " " + to + ": errno " + -result);
            }
        }
    }

    private record Outcome(long inside, long refused) {}

    private Outcome race(Path jail, String guestPath, Runnable flip) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> swapperFailure = new AtomicReference<>();
        Thread swapper = new Thread(() -> {
            try {
                while (!stop.get()) {
                    flip.run();
                }
            } catch (Throwable t) {
                swapperFailure.set(t);
            }
        }, "tree-swapper");
        long inside = 0;
        AtomicLong refused = new AtomicLong();
        try (HostDirectory dir = HostDirectory.open(jail, HostDirectory.Access.READ_WRITE)) {
            swapper.start();
            byte[] buffer = new byte[16];
            for (int i = 0; i < OPENS; i++) {
                HostFile file;
                try {
                    file = dir.openFile(guestPath, FileAccess.READ, Set.of(), 0);
                } catch (FsException e) {
                    // Refused as an escape, or caught mid-swap; never any other error.
                    if (!ALLOWED_REFUSALS.contains(e.wasiErrno())) {
                        fail("unexpected error during the race: " + e.getMessage());
                    }
                    refused.incrementAndGet();
                    continue;
                }
                try (file) {
                    int n = file.read(buffer);
                    String content = new String(buffer, 0, n, StandardCharsets.US_ASCII);
                    if (!content.equals("INSIDE")) {
                        fail("open " + guestPath + " reached a file outside the jail: " + content);
                    }
                    inside++;
                }
            }
        } finally {
            stop.set(true);
            swapper.join();
        }
        if (swapperFailure.get() != null) {
            throw new AssertionError("swapper failed", swapperFailure.get());
        }
        return new Outcome(inside, refused.get());
    }

    @Test
    void swappingADirectoryWithAnAbsoluteSymlinkToOutsideNeverLeaks() throws Exception {
        Path outside = outsideWithMarker();
        swapRace("absolute", outside);
    }

    @Test
    void swappingADirectoryWithARelativeSymlinkToOutsideNeverLeaks() throws Exception {
        outsideWithMarker();
        swapRace("relative", Path.of("../../outside"));
    }

    private Path outsideWithMarker() throws Exception {
        Path outside = Files.createDirectory(base.resolve("outside"));
        Files.writeString(outside.resolve("marker"), "OUTSIDE");
        return outside;
    }

    /** base/NAME/jail/d is a real directory that keeps trading places with a link out. */
    private void swapRace(String name, Path linkTarget) throws Exception {
        Path jail = Files.createDirectories(base.resolve(name).resolve("jail"));
        Path dir = Files.createDirectory(jail.resolve("d"));
        Files.writeString(dir.resolve("marker"), "INSIDE");
        Path link = Files.createSymbolicLink(jail.resolve("link"), linkTarget);
        assertEquals("OUTSIDE", Files.readString(link.resolve("marker")), "the link leads out");

        Outcome outcome = race(jail, "d/marker",
                () -> renameat2(dir, link, FsConstants.RENAME_EXCHANGE));

        assertEquals(OPENS, outcome.inside() + outcome.refused());
        assertTrue(outcome.inside() > 0 && outcome.refused() > 0,
                "the race must see both states: " + outcome);
        assertEquals("OUTSIDE", Files.readString(base.resolve("outside/marker")));
    }

    @Test
    void movingADirectoryOutDuringADotDotWalkNeverLeaks() throws Exception {
        // base/marker is OUTSIDE; base/jail/marker is INSIDE. The guest opens a/b/../../marker.
        // While the walk is inside b, the host moves b to base/x/b, where ../.. is base: a
        // lexical walk would then read base/marker. RESOLVE_BENEATH must stop it.
        Files.writeString(base.resolve("marker"), "OUTSIDE");
        Path jail = Files.createDirectory(base.resolve("jail"));
        Files.writeString(jail.resolve("marker"), "INSIDE");
        Path inJail = Files.createDirectories(jail.resolve("a/b"));
        Path moved = Files.createDirectories(base.resolve("x")).resolve("b");
        AtomicBoolean out = new AtomicBoolean();

        Outcome outcome = race(jail, "a/b/../../marker", () -> {
            boolean isOut = out.get();
            renameat2(isOut ? moved : inJail, isOut ? inJail : moved, 0);
            out.set(!isOut);
        });

        assertEquals(OPENS, outcome.inside() + outcome.refused());
        assertTrue(outcome.inside() > 0 && outcome.refused() > 0,
                "the race must see both states: " + outcome);
    }
}
