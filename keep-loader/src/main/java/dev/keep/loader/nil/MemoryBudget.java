package dev.keep.loader.nil;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.keep.loader.KeepException;
import dev.keep.loader.wasm.AppModule;
import java.util.Optional;

/**
 * How much linear memory an app may have on the nil backend, where it lives on the host's Java heap:
 * half of the heap's maximum, so that an app asking for gigabytes gets a clear refusal (or a failing
 * {@code memory.grow}) instead of exhausting the JVM that runs it.
 */
final class MemoryBudget {
    static final long PAGE_BYTES = 64 * 1024;

    private final int maxPages;

    MemoryBudget(long budgetBytes) {
        this.maxPages = (int) Math.min(MemoryLimits.MAX_PAGES, budgetBytes / PAGE_BYTES);
    }

    static MemoryBudget ofHeap() {
        return new MemoryBudget(Runtime.getRuntime().maxMemory() / 2);
    }

    int maxPages() {
        return maxPages;
    }

    /**
     * The limits to instantiate with: the module's own, with the maximum lowered to the budget; empty
     * when the module has no memory. Throws when even the initial size is over the budget.
     */
    Optional<MemoryLimits> limitsFor(AppModule app) {
        WasmModule module = app.module();
        if (module.memorySection().isEmpty() || module.memorySection().get().memoryCount() == 0) {
            return Optional.empty();
        }
        MemoryLimits declared = module.memorySection().get().getMemory(0).limits();
        if (declared.initialPages() > maxPages) {
            throw new KeepException(app.path() + ": needs " + mib(declared.initialPages()) + " MiB of linear memory at start, more than the "
                    + mib(maxPages) + " MiB the nil backend allows (half the JVM's maximum heap)");
        }
        int maximum = Math.min(declared.maximumPages(), maxPages);
        return Optional.of(new MemoryLimits(declared.initialPages(), maximum, declared.shared()));
    }

    private static long mib(long pages) {
        return pages * PAGE_BYTES / (1024 * 1024);
    }
}
