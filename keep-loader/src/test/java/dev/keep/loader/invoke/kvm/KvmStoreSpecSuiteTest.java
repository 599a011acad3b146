package dev.keep.loader.invoke.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.wast.WastFileResult;
import dev.keep.loader.wast.WastRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code keep wast --backend kvm}'s whole path over every non-SIMD file of the spec suite: each
 * script in a fresh store keep, modules compiled by Keep's compiler and instantiated by the store's
 * host side into the keep's memory, every call made by the keep's AWAIT loop. Only the vCPU is
 * replaced ({@link UserModeStoreCpu}: the keep's ring-3 code runs natively, sharing its memory
 * with the host as a VM does), since these machines have no /dev/kvm. Bar: no failure.
 */
class KvmStoreSpecSuiteTest {
    private static final Path SPEC = Path.of(System.getProperty("keep.projectRoot"))
            .resolve("../shared/testdata/wasm-spec");

    @Test
    void everyNonSimdSpecFilePassesThroughTheStoreKeep() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(SPEC)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".wast"))
                    .filter(p -> !p.getFileName().toString().startsWith("simd_"))
                    .sorted().toList();
        }
        assertTrue(files.size() >= 85, "spec files found: " + files.size());
        WastRunner runner = new WastRunner(KvmStore.on(new UserModeStoreCpu()), name -> Optional.empty());
        int passed = 0;
        List<String> failures = new ArrayList<>();
        for (Path file : files) {
            WastFileResult result = runner.run(file);
            passed += result.passed();
            if (result.failed() > 0 || result.skipped() > 0) {
                failures.add(result.summaryLine() + " " + result.failures());
            }
        }
        assertEquals(List.of(), failures);
        assertTrue(passed > 25_000, "assertions passed: " + passed);
    }
}
