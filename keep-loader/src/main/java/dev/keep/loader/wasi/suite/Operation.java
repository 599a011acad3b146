package dev.keep.loader.wasi.suite;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One step of a test specification (doc/specification.md of wasi-testsuite): start the program,
 * feed or read its streams, wait for its exit, or talk to it over a connection.
 */
public sealed interface Operation {
    /** The spec's name for this operation, as written in {@code "type"}. */
    String type();

    /**
     * Starts the test program.
     *
     * @param args the arguments after argv[0]
     * @param env the whole WASI environment: nothing else is inherited
     * @param root a directory, relative to the test's directory, preopened as the guest's {@code /}
     */
    record Run(List<String> args, Map<String, String> env, Optional<String> root) implements Operation {
        public Run {
            args = List.copyOf(args);
            env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
        }

        public String type() {
            return "run";
        }
    }

    /** Waits for the program to end and expects {@code exitCode}. */
    record Wait(int exitCode) implements Operation {
        public String type() {
            return "wait";
        }
    }

    /** Reads as many characters as {@code payload} has from {@code stream} (stdout or stderr) and expects them. */
    record Read(String stream, String payload) implements Operation {
        public String type() {
            return "read";
        }
    }

    /** Writes {@code payload} to the program's stdin. */
    record Write(String payload) implements Operation {
        public String type() {
            return "write";
        }
    }

    /** Connects to a server the program runs (the program prints {@code host:port} on stdout). */
    record Connect(String id, String protocol) implements Operation {
        public String type() {
            return "connect";
        }
    }

    /** Sends {@code payload} over connection {@code id}. */
    record Send(String id, String payload) implements Operation {
        public String type() {
            return "send";
        }
    }

    /** Receives from connection {@code id} and expects {@code payload}. */
    record Recv(String id, String payload) implements Operation {
        public String type() {
            return "recv";
        }
    }
}
