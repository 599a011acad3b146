package dev.keep.shim.asm;

/**
 * One instruction of the differential test: the Intel-syntax text GNU as assembles, and the calls
 * that make our assembler emit the same instruction.
 */
record AsmCase(String intel, Emitter emitter) {

    /** Emits the instruction; {@code targets} are labels both sides define around each batch. */
    @FunctionalInterface
    interface Emitter {
        void emit(Assembler a, Targets targets);
    }

    /**
     * {@code back} is bound at the start of the batch, {@code forward} at its end; in the text they are
     * {@code Lback} and {@code Lfwd}.
     */
    record Targets(Label back, Label forward) {
    }
}
