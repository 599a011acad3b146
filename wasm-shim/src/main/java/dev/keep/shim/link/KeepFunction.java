package dev.keep.shim.link;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.shim.snp.AttestationCall;
import java.util.Arrays;
import java.util.List;

/**
 * The functions of the keep's own import module {@code keep}: what a payload can ask of the keep
 * itself rather than of WASI. An import of module {@code keep} that is not one of these, or has
 * another signature, does not link.
 */
enum KeepFunction {
    /**
     * {@code attestation_report(report_data_ptr: i32, out_ptr: i32, out_len: i32) -> i32}: an
     * SEV-SNP attestation report with the payload's 64 bytes of report data ({@link AttestationCall}).
     */
    ATTESTATION_REPORT(AttestationCall.NAME,
            FunctionType.of(List.of(ValType.I32, ValType.I32, ValType.I32), List.of(ValType.I32)));

    static final String MODULE = AttestationCall.MODULE;

    final String importName;
    final FunctionType type;

    KeepFunction(String importName, FunctionType type) {
        this.importName = importName;
        this.type = type;
    }

    /**
     * The function an import of module {@code keep} names.
     *
     * @throws LinkException (one line) when the keep has no function of that name
     */
    static KeepFunction named(String name) {
        for (KeepFunction f : values()) {
            if (f.importName.equals(name)) {
                return f;
            }
        }
        throw new LinkException("import " + MODULE + "." + name + " is not provided by the keep,"
                + " whose module " + MODULE + " has the functions " + String.join(", ", names()));
    }

    static List<String> names() {
        return Arrays.stream(values()).map(f -> f.importName).toList();
    }
}
