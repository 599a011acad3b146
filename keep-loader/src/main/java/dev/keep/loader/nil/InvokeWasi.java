package dev.keep.loader.nil;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import dev.keep.loader.wasi.host.WasiCallHandler;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/**
 * Keep's own WASI preview1 host (the nil backend's, {@link KeepWasiFunctions}) for a module whose
 * exports the host calls ({@code keep invoke}, the invoke API), as Chicory import values.
 */
public final class InvokeWasi {
    private InvokeWasi() {
    }

    /**
     * @param handler the module's fd table (stdin, stdout, stderr and any preopens); the caller closes it
     * @param argv what args_get reports
     */
    public static ImportValues imports(WasiCallHandler handler, List<String> argv, OutputStream stdout,
            OutputStream stderr) {
        List<HostFunction> functions = KeepWasiFunctions.of(handler, argv, Map.of(), stdout, stderr);
        return ImportValues.builder().addFunction(functions.toArray(HostFunction[]::new)).build();
    }
}
