package dev.keep.loader.wasi.suite;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The ordering rules of doc/specification.md ("Specification Validation") for a list of operations. */
final class OperationOrder {
    private OperationOrder() {}

    static void check(List<Operation> operations) throws TestSpecParser.SpecProblem {
        boolean running = false;
        Set<String> connections = new HashSet<>();
        for (int i = 0; i < operations.size(); i++) {
            Operation op = operations.get(i);
            String at = "operations[" + i + "] (" + op.type() + ")";
            switch (op) {
                case Operation.Run run -> {
                    if (running) {
                        throw new TestSpecParser.SpecProblem(at + ": the previous run has no wait yet");
                    }
                    running = true;
                }
                case Operation.Wait wait -> {
                    if (!running) {
                        throw new TestSpecParser.SpecProblem(at + ": no run to wait for");
                    }
                    running = false;
                }
                case Operation.Connect connect -> {
                    requireRunning(running, at);
                    if (!connections.add(connect.id())) {
                        throw new TestSpecParser.SpecProblem(at + ": connection id '" + connect.id() + "' is used twice");
                    }
                }
                case Operation.Send send -> requireConnection(connections, send.id(), at);
                case Operation.Recv recv -> requireConnection(connections, recv.id(), at);
                case Operation.Read read -> requireRunning(running, at);
                case Operation.Write write -> requireRunning(running, at);
            }
        }
        if (running) {
            throw new TestSpecParser.SpecProblem("the last run has no wait");
        }
    }

    private static void requireRunning(boolean running, String at) throws TestSpecParser.SpecProblem {
        if (!running) {
            throw new TestSpecParser.SpecProblem(at + ": must come after a run");
        }
    }

    private static void requireConnection(Set<String> connections, String id, String at) throws TestSpecParser.SpecProblem {
        if (!connections.contains(id)) {
            throw new TestSpecParser.SpecProblem(at + ": connection id '" + id + "' was not connected before");
        }
    }
}
