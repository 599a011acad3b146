package dev.keep.loader.invoke.nil;

import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Store;
import dev.keep.loader.KeepException;
import dev.keep.loader.invoke.KeepInstance;
import dev.keep.loader.invoke.KeepStore;
import dev.keep.loader.wasm.AppModule;
import java.util.ArrayList;
import java.util.List;

/** A {@link KeepStore} on the nil backend: a Chicory store seeded with host modules. */
public final class NilStore implements KeepStore {
    private final Store store = new Store();
    private final NilMachines machines;
    private final List<NilKeepInstance> instances = new ArrayList<>();

    /** @param hostModules what every module may import besides registered instances (e.g. spectest) */
    public NilStore(ImportValues hostModules, NilMachines machines) {
        this.machines = machines;
        store.addImportValues(hostModules);
    }

    @Override
    public KeepInstance instantiate(AppModule module) {
        NilKeepInstance instance = NilKeepInstance.create(module, store.toImportValues(), machines);
        instances.add(instance);
        return instance;
    }

    @Override
    public void register(String name, KeepInstance instance) {
        if (!(instance instanceof NilKeepInstance nil) || !instances.contains(nil)) {
            throw new KeepException("register " + name + ": not an instance of this nil store");
        }
        store.register(name, nil.chicory());
    }

    @Override
    public void close() {
        instances.forEach(NilKeepInstance::close);
        instances.clear();
    }
}
