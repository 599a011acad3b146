package dev.keep.loader.jail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import org.junit.jupiter.api.Test;

class RunnerWarmUpTest {
    @Test
    void theBuiltInModuleIsExactlyTheEmptyCommandItsCommentSays() {
        byte[] assembled = Wat2Wasm.parse("(module (memory 1) (func (export \"_start\")))");
        assertArrayEquals(assembled, RunnerWarmUp.EMPTY_COMMAND);
        WasmModule module = Parser.parse(RunnerWarmUp.EMPTY_COMMAND);
        assertEquals("_start", module.exportSection().getExport(0).name());
    }

    @Test
    void finishReturnsOnceTheWarmUpThreadHasEnded() {
        RunnerWarmUp warmUp = RunnerWarmUp.start();
        warmUp.finish();
        assertEquals(0, Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("keep-runner-warm-up") && t.isAlive()).count());
    }
}
