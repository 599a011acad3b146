package dev.keep.shim.asm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Assembles cases with our assembler and with GNU as (one as run per batch of a few thousand
 * instructions, two batches at a time) and compares the bytes instruction by instruction. Each
 * instruction in the text gets a label {@code cN:}; nm gives its offset, so a length difference in
 * one case does not shift the comparison of the others.
 */
final class DifferentialRunner {
    static final int BATCH_SIZE = 4000;
    private static final int MAX_REPORTED = 15;
    private static final Pattern AS_ERROR_LINE = Pattern.compile("batch\\.s:(\\d+): (.*)");

    private DifferentialRunner() {
    }

    /** Fails with the first mismatches (instruction text, GNU bytes, our bytes) if any case differs. */
    static void check(String family, List<AsmCase> cases) throws Exception {
        if (cases.isEmpty()) {
            fail(family + ": no cases generated");
        }
        List<List<AsmCase>> batches = new ArrayList<>();
        for (int i = 0; i < cases.size(); i += BATCH_SIZE) {
            batches.add(cases.subList(i, Math.min(cases.size(), i + BATCH_SIZE)));
        }
        List<String> problems = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            List<Future<List<String>>> results = new ArrayList<>();
            for (List<AsmCase> batch : batches) {
                results.add(pool.submit(() -> compareBatch(batch)));
            }
            for (Future<List<String>> r : results) {
                problems.addAll(r.get());
            }
        }
        System.out.printf("%s: %d instructions in %d GNU as batches%n", family, cases.size(), batches.size());
        if (!problems.isEmpty()) {
            StringBuilder msg = new StringBuilder(family + ": " + problems.size() + " of " + cases.size()
                + " instructions differ from GNU as; first ones:");
            problems.stream().limit(MAX_REPORTED).forEach(p -> msg.append("\n  ").append(p));
            fail(msg.toString());
        }
    }

    private static List<String> compareBatch(List<AsmCase> batch) throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        // Our side: the same layout as the text below.
        Assembler a = new Assembler();
        AsmCase.Targets targets = new AsmCase.Targets(a.newLabel(), a.newLabel());
        a.bind(targets.back());
        int[] ours = new int[batch.size() + 1];
        StringBuilder text = new StringBuilder(batch.size() * 40);
        text.append(".intel_syntax noprefix\n.text\nLback:\n");
        int headerLines = 3;
        for (int i = 0; i < batch.size(); i++) {
            ours[i] = a.position();
            AsmCase c = batch.get(i);
            try {
                c.emitter().emit(a, targets);
            } catch (RuntimeException e) {
                problems.add("`" + c.intel() + "`: our assembler threw " + e);
                return problems;
            }
            text.append('c').append(i).append(": ").append(c.intel()).append('\n');
        }
        ours[batch.size()] = a.position();
        a.bind(targets.forward());
        text.append("cend:\nLfwd:\n");
        byte[] ourCode = a.finish();

        Path dir = Files.createTempDirectory("keep-asm-diff");
        GnuAs.Output gnu;
        try {
            gnu = GnuAs.assemble(text.toString(), dir);
        } catch (IOException e) {
            problems.add(explainAsFailure(e.getMessage(), batch, headerLines));
            return problems;
        } finally {
            deleteTree(dir);
        }
        HexFormat hex = HexFormat.ofDelimiter(" ");
        for (int i = 0; i < batch.size(); i++) {
            int gStart = gnu.symbols().get("c" + i);
            int gEnd = i + 1 < batch.size() ? gnu.symbols().get("c" + (i + 1)) : gnu.symbols().get("cend");
            byte[] expected = java.util.Arrays.copyOfRange(gnu.text(), gStart, gEnd);
            byte[] actual = java.util.Arrays.copyOfRange(ourCode, ours[i], ours[i + 1]);
            if (!java.util.Arrays.equals(expected, actual)) {
                problems.add("`" + batch.get(i).intel() + "`: GNU as " + hex.formatHex(expected)
                    + " | ours " + hex.formatHex(actual));
            }
        }
        return problems;
    }

    /** Turns "batch.s:123: Error: ..." into the instruction text that GNU as rejected. */
    private static String explainAsFailure(String message, List<AsmCase> batch, int headerLines) {
        Matcher m = AS_ERROR_LINE.matcher(message);
        if (m.find()) {
            int caseIndex = Integer.parseInt(m.group(1)) - headerLines - 1;
            if (caseIndex >= 0 && caseIndex < batch.size()) {
                return "GNU as rejected `" + batch.get(caseIndex).intel() + "`: " + m.group(2);
            }
        }
        return "GNU as failed: " + message.lines().limit(5).reduce("", (x, y) -> x + " " + y);
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
