package dev.keep.loader.wast;

import dev.keep.loader.invoke.KeepStore;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs .wast spec scripts, as {@code wasmtime wast} does: each file is converted with wast2json and
 * its commands run in order against a fresh store of the chosen backend.
 */
public final class WastRunner {
    private final Supplier<KeepStore> stores;
    private final Function<String, Optional<String>> fileSkipReason;

    /**
     * @param stores a fresh store (with the spectest module) for each file
     * @param fileSkipReason for a file name, why the backend cannot run that file at all, if it cannot
     */
    public WastRunner(Supplier<KeepStore> stores, Function<String, Optional<String>> fileSkipReason) {
        this.stores = stores;
        this.fileSkipReason = fileSkipReason;
    }

    /**
     * Runs every command of {@code wast}.
     *
     * @throws dev.keep.loader.KeepException when the file is missing or is not a valid .wast script
     */
    public WastFileResult run(Path wast) {
        String name = wast.getFileName() == null ? wast.toString() : wast.getFileName().toString();
        try (WastConversion conversion = WastConversion.of(wast)) {
            Optional<String> skip = fileSkipReason.apply(name);
            if (skip.isPresent()) {
                return WastFileResult.skipped(name, conversion.commands().size(), skip.get());
            }
            return run(name, conversion);
        }
    }

    private WastFileResult run(String name, WastConversion conversion) {
        try (KeepStore store = stores.get()) {
            return new WastFileRun(name, conversion, store).execute();
        }
    }
}
