package dev.keep.loader.jail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.cli.CliRun;
import dev.keep.loader.run.RunResult;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jailed runner's class-data archive: named by JDK and jars, made by a training run, mapped by later runners. */
class RunnerClassArchiveTest {
    @TempDir
    Path dir;

    @Test
    void aClassPathWithAFolderHasNoArchive() throws IOException {
        Path jar = Files.write(dir.resolve("a.jar"), new byte[] {1});
        Path folder = Files.createDirectory(dir.resolve("classes"));
        assertTrue(RunnerClassArchive.of(dir, BwrapCommand.javaHome(), List.of(jar, folder)).isEmpty());
        assertTrue(RunnerClassArchive.of(dir, BwrapCommand.javaHome(), List.of(jar)).isPresent());
    }

    @Test
    void theArchiveNameChangesWithAnyJar() throws IOException {
        Path a = Files.write(dir.resolve("a.jar"), new byte[] {1});
        Path b = Files.write(dir.resolve("b.jar"), new byte[] {2});
        Path before = RunnerClassArchive.of(dir, BwrapCommand.javaHome(), List.of(a, b)).orElseThrow().file();
        assertEquals(before, RunnerClassArchive.of(dir, BwrapCommand.javaHome(), List.of(a, b)).orElseThrow().file());
        Files.setLastModifiedTime(b, FileTime.fromMillis(Files.getLastModifiedTime(b).toMillis() - 5_000));
        Path rebuilt = RunnerClassArchive.of(dir, BwrapCommand.javaHome(), List.of(a, b)).orElseThrow().file();
        assertNotEquals(before, rebuilt);
        assertNotEquals(rebuilt, RunnerClassArchive.of(dir, BwrapCommand.javaHome(), List.of(b, a)).orElseThrow().file());
    }

    @Test
    void adoptingTakesTheWrittenArchiveAndRemovesTheTrainingFolder() throws IOException {
        Path a = Files.write(dir.resolve("a.jar"), new byte[] {1});
        RunnerClassArchive archive = RunnerClassArchive.of(dir.resolve("cds"), BwrapCommand.javaHome(), List.of(a)).orElseThrow();
        Path empty = archive.newTrainingDir();
        assertFalse(archive.adopt(empty), "a training run that wrote nothing");
        assertFalse(Files.exists(empty));
        assertFalse(archive.ready());

        Path training = archive.newTrainingDir();
        Files.write(training.resolve(ArchiveUse.TRAINING_FILE), new byte[] {7, 7});
        assertTrue(archive.adopt(training));
        assertTrue(archive.ready());
        assertFalse(Files.exists(training));
        try (Stream<Path> left = Files.list(dir.resolve("cds"))) {
            assertEquals(List.of(archive.file()), left.toList());
        }
    }

    /**
     * Keep run from jars, as the launcher runs it: the first jailed run trains and adopts an archive,
     * and the runner of the next run has it mapped (seen in its /proc/PID/maps while it runs).
     */
    @Test
    void aRunnerStartedFromJarsMapsTheArchiveOfItsTrainingRun() throws Exception {
        List<Path> classPath = jarClassPath();
        Path archives = dir.resolve("cds");
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        JailSupervisor supervisor = new JailSupervisor(JailLimits.DEFAULT, log::add, classPath, archives);
        Path app = CliRun.assemble(dir, "/jail/drain-stdin.wat");

        ByteArrayOutputStream first = new ByteArrayOutputStream();
        RunResult result = supervisor.run(JailLaunches.of(app, new java.io.ByteArrayInputStream("hi".getBytes(StandardCharsets.UTF_8)),
                first, OutputStream.nullOutputStream()));
        assertEquals(new RunResult.Exited(0), result, log.toString());
        assertEquals("read 2\n", first.toString(StandardCharsets.UTF_8));
        assertTrue(log.stream().anyMatch(line -> line.startsWith("jail: class-data archive ready: ")), log.toString());
        try (Stream<Path> left = Files.list(archives)) {
            List<Path> files = left.toList();
            assertEquals(1, files.size(), files.toString());
            assertTrue(files.get(0).getFileName().toString().endsWith(".jsa"), files.toString());
        }

        log.clear();
        PipedOutputStream feed = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(feed);
        ByteArrayOutputStream second = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(
                () -> supervisor.run(JailLaunches.of(app, stdin, second, errors)));
        try {
            ProcessHandle runner = JailLaunches.awaitRunner();
            String maps = awaitMapping(runner, ArchiveUse.ARCHIVE_IN_JAIL);
            assertTrue(maps.contains(ArchiveUse.ARCHIVE_IN_JAIL), "the runner maps the archive");
            feed.write("abcd".getBytes(StandardCharsets.UTF_8));
        } finally {
            feed.close();
        }
        assertEquals(new RunResult.Exited(0), run.get(60, TimeUnit.SECONDS));
        assertEquals("read 4\n", second.toString(StandardCharsets.UTF_8));
        assertEquals("", errors.toString(StandardCharsets.UTF_8), "the JVM's archive notes stay off the app's stderr");
        assertFalse(log.stream().anyMatch(line -> line.contains("making")), "no second training run: " + log);
    }

    private static String awaitMapping(ProcessHandle runner, String path) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String maps = "";
        while (System.nanoTime() < deadline && runner.isAlive()) {
            maps = Files.readString(Path.of("/proc/" + runner.pid() + "/maps"));
            if (maps.contains(path)) {
                return maps;
            }
            Thread.sleep(20);
        }
        return maps;
    }

    /** This test's class path without test classes, every class folder packed into a jar. */
    private List<Path> jarClassPath() throws IOException {
        List<Path> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry).toAbsolutePath();
            if (Files.isRegularFile(path) && entry.endsWith(".jar")) {
                classPath.add(path);
            } else if (Files.isDirectory(path) && path.endsWith(Path.of("target", "classes"))) {
                // A module of the reactor, built but not packaged (mvn test): packed as the launcher has it.
                classPath.add(pack(path, dir.resolve(path.getParent().getParent().getFileName() + ".jar")));
            }
        }
        return classPath;
    }

    private static Path pack(Path classes, Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace(File.separatorChar, '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
        return jar;
    }
}
