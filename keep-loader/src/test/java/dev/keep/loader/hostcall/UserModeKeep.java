package dev.keep.loader.hostcall;

import dev.keep.shim.abi.HostcallAbi;
import dev.keep.shim.image.Access;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.MemoryChunk;
import dev.keep.shim.image.VirtualRegion;
import dev.keep.testsupport.CProgram;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a keep image's ring-3 code natively in a child process, without /dev/kvm: a small C
 * harness maps every user-accessible region of the image at its keep address with its keep
 * permissions (supervisor-only regions stay unmapped, as they are for ring 3), starts at the
 * image's RIP and RSP, and turns the doorbell {@code out} (a #GP outside a VM, so SIGSEGV) into a
 * message to this class, which answers with the real {@link HostcallDispatcher}. Guest memory is
 * a file both processes map shared, as KVM guest memory is shared with its VMM. Any other signal
 * ends the run as a fault. Ring 0 (stubs, IDT, TSS) is not exercised here.
 */
public final class UserModeKeep {
    private static final String SOURCE = """
/* Runs a keep's ring-3 code natively in a Linux process: user regions mapped at their keep
 * addresses with their keep permissions, shared with the Java host through the memory file
 * (guest-physical memory, as KVM shares it with a VMM); `out` to the doorbell trapped
 * (#GP -> SIGSEGV) and reported to the host over stdout, which answers on stdin once it has
 * handled the request in the shared mailbox. argv: layout file, memory file. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static void put(const void *p, size_t n) {
    const char *c = p;
    while (n) { ssize_t w = write(1, c, n); if (w <= 0) _exit(90); c += w; n -= w; }
}
static void get(void *p, size_t n) {
    char *c = p;
    while (n) { ssize_t r = read(0, c, n); if (r <= 0) _exit(91); c += r; n -= r; }
}

static void on_signal(int sig, siginfo_t *info, void *ctx) {
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    const unsigned char *rip = (const unsigned char *)g[REG_RIP];
    char line[128];
    if (sig == SIGSEGV && rip[0] == 0xE7 && rip[1] == 0xE0) {
        int n = snprintf(line, sizeof line, "D %u\\n", (unsigned)g[REG_RAX]);
        put(line, n);
        char cmd;
        get(&cmd, 1);
        if (cmd != 'c') _exit(0);
        g[REG_RIP] += 2;
        return;
    }
    int n = snprintf(line, sizeof line, "F %d %llx %llx\\n", sig, (unsigned long long)g[REG_RIP],
                     (unsigned long long)(uintptr_t)info->si_addr);
    put(line, n);
    _exit(0);
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    FILE *layout = fopen(argv[1], "r");
    int memory = open(argv[2], O_RDWR);
    if (!layout || memory < 0) return 3;
    unsigned long long va, size, gpa, rip, rsp;
    char access[8];
    if (fscanf(layout, "entry %llx %llx\\n", &rip, &rsp) != 2) return 4;
    while (fscanf(layout, "%llx %llx %llx %7s\\n", &va, &size, &gpa, access) == 4) {
        int prot = PROT_READ | (access[1] == 'w' ? PROT_WRITE : 0) | (access[1] == 'x' ? PROT_EXEC : 0);
        void *p = mmap((void *)va, size, prot, MAP_SHARED | MAP_FIXED_NOREPLACE, memory, (off_t)gpa);
        if (p != (void *)va) { fprintf(stderr, "cannot map %llx\\n", va); return 5; }
    }
    static char alt[1 << 16];
    stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt };
    if (sigaltstack(&ss, 0)) return 8;
    struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_ONSTACK };
    sigaction(SIGSEGV, &sa, 0); sigaction(SIGFPE, &sa, 0); sigaction(SIGILL, &sa, 0);
    sigaction(SIGBUS, &sa, 0); sigaction(SIGTRAP, &sa, 0);
    __asm__ volatile("mov %0, %%rsp\\n\\tjmp *%1" : : "r"(rsp), "r"(rip) : "memory");
    return 9;
}
""";
    private static Path harness;

    /** How a native run ended. Exactly one of outcome and fault is set. */
    public record Result(HostcallOutcome outcome, String fault) {
    }

    private static synchronized Path harness() throws IOException {
        if (harness == null) {
            harness = CProgram.compile(Files.createTempDirectory("keep-usermode"), "harness", SOURCE, "-O1");
        }
        return harness;
    }

    /**
     * Runs the image to its end.
     *
     * @param tamper applied to the mailbox after the host answered, before the guest sees it
     *     (lets a test play a lying host)
     */
    public static Result run(KeepImage image, HostcallDispatcher host, Consumer<MemorySegment> tamper)
            throws IOException, InterruptedException {
        return run(image, host, tamper, memory -> { });
    }

    /**
     * Runs the image to its end; {@code memory} gets the keep's guest-physical memory (shared with
     * the running code, as a VMM shares it with KVM) before the keep's first instruction.
     */
    public static Result run(KeepImage image, HostcallDispatcher host, Consumer<MemorySegment> tamper,
            Consumer<MemorySegment> memory) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("keep-usermode-run");
        StringBuilder layout = new StringBuilder(String.format("entry %x %x%n",
                image.entryState().rip(), image.entryState().rsp()));
        for (VirtualRegion r : image.pageMap().virtualRegions()) {
            if (r.mapped() && r.access().user()) {
                layout.append(String.format("%x %x %x %s%n", r.address(), r.size(),
                        r.physicalAddress(), r.access() == Access.USER_READ_EXECUTE ? "rx" : "rw"));
            }
        }
        Path layoutFile = Files.writeString(dir.resolve("layout"), layout);
        Path memoryFile = dir.resolve("memory");
        try (Arena arena = Arena.ofShared()) {
            MemorySegment guest;
            // Sparse: only the image's chunks are written; the rest reads as zero, as fresh guest memory does.
            try (FileChannel file = FileChannel.open(memoryFile, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                for (MemoryChunk chunk : image.chunks()) {
                    file.write(ByteBuffer.wrap(chunk.bytes()), chunk.address());
                }
                if (file.size() < image.memorySize()) {
                    file.write(ByteBuffer.allocate(1), image.memorySize() - 1);
                }
                guest = file.map(FileChannel.MapMode.READ_WRITE, 0, image.memorySize(), arena);
            }
            memory.accept(guest);
            MemorySegment mailbox = guest.asSlice(HostcallAbi.MAILBOX_ADDRESS, HostcallAbi.MAILBOX_SIZE);
            return exchange(harness(layoutFile, memoryFile), host, tamper, mailbox);
        } finally {
            // The memory file is as large as the keep's memory: do not leave one per run.
            Files.deleteIfExists(memoryFile);
            Files.deleteIfExists(layoutFile);
            Files.deleteIfExists(dir);
        }
    }

    private static Process harness(Path layoutFile, Path memoryFile) throws IOException {
        return new ProcessBuilder(harness().toString(), layoutFile.toString(), memoryFile.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static Result exchange(Process p, HostcallDispatcher host, Consumer<MemorySegment> tamper,
            MemorySegment mailbox) throws IOException, InterruptedException {
        stopWhenInterrupted(Thread.currentThread(), p);
        try (DataInputStream in = new DataInputStream(p.getInputStream());
                OutputStream out = p.getOutputStream()) {
            while (true) {
                String line = readLine(in);
                if (line == null) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedException("the run was stopped: its thread was interrupted");
                    }
                    p.waitFor(10, TimeUnit.SECONDS);
                    throw new IllegalStateException("harness ended without a result, exit code "
                            + p.exitValue());
                }
                if (line.startsWith("F ")) {
                    return new Result(null, line);
                }
                long value = Long.parseLong(line.substring(2));
                HostcallOutcome outcome = host.onDoorbell(mailbox, HostcallAbi.REQUEST_DOORBELL_PORT,
                        HostcallAbi.DOORBELL_SIZE, value);
                tamper.accept(mailbox);
                boolean resume = outcome instanceof HostcallOutcome.Resume;
                out.write(resume ? 'c' : 'q');
                out.flush();
                if (!resume) {
                    return new Result(outcome, null);
                }
            }
        } finally {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Reads from the child block without noticing interrupts, so a caller that gives up on a run
     * (a time limit) interrupts its thread and this watcher ends the child, which ends the reads.
     */
    private static void stopWhenInterrupted(Thread caller, Process child) {
        Thread.ofPlatform().daemon().name("usermode-watch").start(() -> {
            try {
                while (!child.waitFor(20, TimeUnit.MILLISECONDS)) {
                    if (caller.isInterrupted()) {
                        child.destroyForcibly();
                        return;
                    }
                }
            } catch (InterruptedException e) {
                child.destroyForcibly();
            }
        });
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return null;
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
