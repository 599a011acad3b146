package dev.keep.loader.wast;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What running one .wast file gave.
 *
 * @param file the file name
 * @param passed commands that did what the file expects
 * @param failed commands that did not; {@code failures} names each
 * @param skipped commands not run, with the reasons counted in {@code skipReasons}
 * @param notApplicable assert_malformed / assert_invalid on text-format modules: they test a .wat
 *     parser, which is not part of a WebAssembly runtime
 */
public record WastFileResult(String file, int passed, int failed, int skipped, int notApplicable,
        List<String> failures, Map<String, Integer> skipReasons) {

    public WastFileResult {
        failures = List.copyOf(failures);
        skipReasons = Map.copyOf(skipReasons);
    }

    /** The file's {@code commands} all skipped for {@code reason}. */
    public static WastFileResult skipped(String file, int commands, String reason) {
        return new WastFileResult(file, 0, 0, commands, 0, List.of(), Map.of(reason, commands));
    }

    /** One line: "i32.wast: 460 passed, 0 failed, 2 skipped (reason), 3 not applicable (text format)". */
    public String summaryLine() {
        StringBuilder line = new StringBuilder(file).append(": ").append(passed).append(" passed, ")
                .append(failed).append(" failed");
        if (skipped > 0) {
            line.append(", ").append(skipped).append(" skipped (").append(skipReasons.entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .map(e -> e.getValue() == skipped ? e.getKey() : e.getKey() + ": " + e.getValue())
                    .collect(Collectors.joining("; "))).append(')');
        }
        if (notApplicable > 0) {
            line.append(", ").append(notApplicable).append(" not applicable (text-format modules)");
        }
        return line.toString();
    }
}
