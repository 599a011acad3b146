package dev.keep.loader.wast;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keep.loader.KeepException;
import dev.keep.loader.invoke.InvalidModule;
import dev.keep.loader.invoke.KeepInstance;
import dev.keep.loader.invoke.KeepStore;
import dev.keep.loader.invoke.LinkFailure;
import dev.keep.loader.invoke.WasmTrap;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.AppModuleLoader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the commands of one converted .wast file in order, against one store (one store). */
final class WastFileRun {
    /** Failures listed per file; the count stays exact beyond it. */
    private static final int MAX_LISTED_FAILURES = 50;

    private final String file;
    private final WastConversion conversion;
    private final KeepStore store;
    private final Map<String, KeepInstance> named = new HashMap<>();
    private KeepInstance current;
    private int passed;
    private int failed;
    private int skipped;
    private int notApplicable;
    private final List<String> failures = new ArrayList<>();
    private final Map<String, Integer> skipReasons = new HashMap<>();

    WastFileRun(String file, WastConversion conversion, KeepStore store) {
        this.file = file;
        this.conversion = conversion;
        this.store = store;
    }

    WastFileResult execute() {
        for (JsonNode command : conversion.commands()) {
            try {
                run(command);
            } catch (CommandFailed | WastValues.Unsupported | KeepException e) {
                fail(command, e.getMessage());
            } catch (RuntimeException e) {
                fail(command, "unexpected " + e);
            }
        }
        return new WastFileResult(file, passed, failed, skipped, notApplicable, failures, skipReasons);
    }

    /** A command that did not do what the file expects; the message says what happened instead. */
    private static final class CommandFailed extends RuntimeException {
        CommandFailed(String message) {
            super(message);
        }
    }

    private void run(JsonNode command) {
        String type = command.path("type").asText();
        switch (type) {
            case "module" -> {
                current = null;
                KeepInstance instance = store.instantiate(load(command));
                current = instance;
                if (command.has("name")) {
                    named.put(command.get("name").asText(), instance);
                }
                passed++;
            }
            case "register" -> {
                KeepInstance instance = command.has("name") ? named.get(command.get("name").asText()) : current;
                if (instance == null) {
                    throw new CommandFailed("no instance to register (its module failed)");
                }
                store.register(command.get("as").asText(), instance);
                passed++;
            }
            case "action" -> {
                perform(command.get("action"));
                passed++;
            }
            case "assert_return" -> assertReturn(command);
            case "assert_trap", "assert_exhaustion" -> assertTrap(command);
            case "assert_invalid", "assert_malformed" -> assertRejected(command);
            case "assert_unlinkable" -> assertUnlinkable(command);
            case "assert_uninstantiable" -> assertUninstantiable(command);
            default -> skip("command " + type + " is not supported");
        }
    }

    private AppModule load(JsonNode command) {
        return AppModuleLoader.load(conversion.module(command.get("filename").asText()));
    }

    private long[] perform(JsonNode action) {
        KeepInstance instance = action.has("module") ? named.get(action.get("module").asText()) : current;
        if (instance == null) {
            throw new CommandFailed("no instance to act on (its module failed)");
        }
        String field = action.get("field").asText();
        return switch (action.path("type").asText()) {
            case "invoke" -> {
                JsonNode args = action.path("args");
                long[] values = new long[args.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = WastValues.argument(args.get(i));
                }
                yield instance.invoke(field, values);
            }
            case "get" -> new long[] {instance.global(field)};
            default -> throw new CommandFailed("unknown action " + action.path("type").asText());
        };
    }

    private void assertReturn(JsonNode command) {
        long[] results;
        try {
            results = perform(command.get("action"));
        } catch (WasmTrap trap) {
            throw new CommandFailed("trapped: " + trap.getMessage());
        }
        JsonNode expected = command.path("expected");
        if (results.length != expected.size()) {
            throw new CommandFailed("expected " + expected.size() + " results, got " + results.length);
        }
        for (int i = 0; i < results.length; i++) {
            JsonNode want = expected.get(i);
            if (!WastValues.matches(want, results[i])) {
                throw new CommandFailed("result " + i + ": expected " + want.path("type").asText() + " "
                        + want.path("value").asText() + ", got " + WastValues.describe(want, results[i]));
            }
        }
        passed++;
    }

    private void assertTrap(JsonNode command) {
        String expected = command.path("text").asText();
        if (!command.has("action")) {
            // The older form of assert_uninstantiable: a module whose instantiation traps.
            assertUninstantiable(command);
            return;
        }
        try {
            long[] results = perform(command.get("action"));
            throw new CommandFailed("expected trap \"" + expected + "\", returned " + results.length + " value(s)");
        } catch (WasmTrap trap) {
            requireSameMessage(expected, trap.getMessage());
            passed++;
        }
    }

    private void assertUninstantiable(JsonNode command) {
        String expected = command.path("text").asText();
        try {
            store.instantiate(load(command));
        } catch (WasmTrap trap) {
            requireSameMessage(expected, trap.getMessage());
            passed++;
            return;
        }
        throw new CommandFailed("module instantiated, expected \"" + expected + "\"");
    }

    private void assertUnlinkable(JsonNode command) {
        try {
            store.instantiate(load(command));
        } catch (LinkFailure expected) {
            passed++;
            return;
        }
        throw new CommandFailed("module linked, expected \"" + command.path("text").asText() + "\"");
    }

    /** Any rejection counts: the spec's exact wording belongs to its reference parser. */
    private void assertRejected(JsonNode command) {
        if (!"binary".equals(command.path("module_type").asText())) {
            notApplicable++;
            return;
        }
        AppModule module;
        try {
            module = load(command);
        } catch (KeepException rejected) {
            passed++;
            return;
        }
        try {
            store.instantiate(module);
        } catch (InvalidModule rejected) {
            passed++;
            return;
        } catch (LinkFailure | WasmTrap e) {
            throw new CommandFailed("module was accepted (it then failed to run: " + e.getMessage() + "), expected \""
                    + command.path("text").asText() + "\"");
        }
        throw new CommandFailed("module was accepted, expected \"" + command.path("text").asText() + "\"");
    }

    /** Trap texts match when one starts with the other, as the spec's own runners compare them. */
    private static void requireSameMessage(String expected, String actual) {
        if (!expected.startsWith(actual) && !actual.startsWith(expected)) {
            throw new CommandFailed("expected \"" + expected + "\", got \"" + actual + "\"");
        }
    }

    private void skip(String reason) {
        skipped++;
        skipReasons.merge(reason, 1, Integer::sum);
    }

    private void fail(JsonNode command, String why) {
        failed++;
        if (failures.size() < MAX_LISTED_FAILURES) {
            failures.add(file + ":" + command.path("line").asInt() + ": " + command.path("type").asText()
                    + describeAction(command.path("action")) + ": " + why);
        }
    }

    private static String describeAction(JsonNode action) {
        if (action.isMissingNode()) {
            return "";
        }
        StringBuilder text = new StringBuilder(" ").append(action.path("field").asText()).append('(');
        JsonNode args = action.path("args");
        for (int i = 0; i < args.size(); i++) {
            text.append(i == 0 ? "" : ", ").append(args.get(i).path("type").asText()).append(':')
                    .append(args.get(i).path("value").asText());
        }
        return text.append(')').toString();
    }
}
