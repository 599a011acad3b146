package dev.keep.bench;

/** A Wasm engine that runs in this JVM: loads a freestanding module and calls its run(i32) -> i64. */
interface Engine {
    String name();

    Loaded load(byte[] wasm);

    /** One instantiated module. */
    interface Loaded extends AutoCloseable {
        long run(int units);

        @Override
        default void close() {
        }
    }
}
