package dev.keep.loader.wasi.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.KeepException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Test specifications as doc/specification.md of wasi-testsuite defines them, defaults included. */
class TestSpecParserTest {
    private static final Operation.Run PLAIN_RUN = new Operation.Run(List.of(), Map.of(), Optional.empty());

    @Test
    void anEmptyLegacySpecificationRunsWithNothingAndExpectsExitZero() {
        assertEquals(List.of(PLAIN_RUN, new Operation.Wait(0)), TestSpecParser.parse("{}", "t.json").operations());
        assertEquals(TestSpec.defaults(), TestSpecParser.parse("{}", "t.json"));
    }

    @Test
    void aLegacySpecificationBecomesRunReadsAndWait() {
        TestSpec spec = TestSpecParser.parse("""
                {"args": ["a", "b c"], "env": {"X": "1", "Y": "new\\nline"}, "root": "fs-tests.dir",
                 "exit_code": 33, "stdout": "out", "stderr": "err"}
                """, "t.json");
        assertEquals(List.of(
                new Operation.Run(List.of("a", "b c"), Map.of("X", "1", "Y", "new\nline"), Optional.of("fs-tests.dir")),
                new Operation.Read("stdout", "out"),
                new Operation.Read("stderr", "err"),
                new Operation.Wait(33)), spec.operations());
    }

    @Test
    void nullFieldsTakeTheirDefaults() {
        assertEquals(TestSpec.defaults(),
                TestSpecParser.parse("{\"args\": null, \"root\": null, \"env\": null, \"exit_code\": null, \"stdout\": null}", "t.json"));
    }

    @Test
    void operationsTakeTheirDefaults() {
        TestSpec spec = TestSpecParser.parse("""
                {"operations": [{"type": "run"}, {"type": "write", "payload": "in"}, {"type": "read"},
                                {"type": "connect"}, {"type": "send", "id": "server"}, {"type": "recv", "id": "server"},
                                {"type": "wait"}],
                 "proposals": ["sockets"]}
                """, "t.json");
        assertEquals(List.of(PLAIN_RUN, new Operation.Write("in"), new Operation.Read("stdout", ""),
                new Operation.Connect("server", "tcp"), new Operation.Send("server", ""), new Operation.Recv("server", ""),
                new Operation.Wait(0)), spec.operations());
        assertEquals(List.of("sockets"), spec.proposals());
        assertEquals(TestSpec.defaults().operations(), TestSpecParser.parse("{\"operations\": []}", "t.json").operations());
    }

    @Test
    void invalidSpecificationsAreOneLineErrorsNamingTheFile() {
        assertInvalid("[1]", "t.json: not a valid test specification: the top level must be a JSON object");
        assertInvalid("{\"args\": \"a\"}", "t.json: not a valid test specification: args must be an array of strings");
        assertInvalid("{\"args\": [1]}", "t.json: not a valid test specification: args must be an array of strings, but holds 1");
        assertInvalid("{\"exit_code\": 1.5}", "t.json: not a valid test specification: exit_code must be an integer, not 1.5");
        assertInvalid("{\"env\": {\"A\": 1}}", "t.json: not a valid test specification: env.A must be a string");
        assertInvalid("{\"root\": \"/etc\"}",
                "t.json: not a valid test specification: root must be a path relative to the test's directory, not '/etc'");
        assertInvalid("{\"operations\": [{\"type\": \"wait\"}]}",
                "t.json: not a valid test specification: operations[0] (wait): no run to wait for");
        assertInvalid("{\"operations\": [{\"type\": \"run\"}]}", "t.json: not a valid test specification: the last run has no wait");
        assertInvalid("{\"operations\": [{\"type\": \"run\"}, {\"type\": \"send\", \"id\": \"s\"}, {\"type\": \"wait\"}]}",
                "t.json: not a valid test specification: operations[1] (send): connection id 's' was not connected before");
        assertInvalid("{\"operations\": [{\"type\": \"jump\"}]}",
                "t.json: not a valid test specification: operations[0] has unknown type 'jump'");
        assertInvalid("{\"operations\": [{\"type\": \"read\", \"id\": \"stdin\"}]}",
                "t.json: not a valid test specification: operations[0] (read).id must be stdout or stderr, not 'stdin'");
        String duplicate = assertThrows(KeepException.class, () -> TestSpecParser.parse("{\"args\": [], \"args\": []}", "t.json"))
                .getMessage();
        assertTrue(duplicate.matches("t\\.json:1:\\d+: not a valid test specification: Duplicate field 'args'"), duplicate);
    }

    @Test
    void malformedJsonNamesTheLineAndColumn() {
        KeepException e = assertThrows(KeepException.class, () -> TestSpecParser.parse("{\n  \"args\": [\"a\",\n", "t.json"));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().matches("t\\.json:\\d+:\\d+: not a valid test specification: .+"), e.getMessage());
    }

    private static void assertInvalid(String json, String message) {
        assertEquals(message, assertThrows(KeepException.class, () -> TestSpecParser.parse(json, "t.json")).getMessage());
    }
}
