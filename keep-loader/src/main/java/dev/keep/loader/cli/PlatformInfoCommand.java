package dev.keep.loader.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keep platform info}: KVM, SEV and backend availability, with the reason for each "no". */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show /dev/kvm, SEV, SEV-ES and SEV-SNP state and which backends can run here.")
public final class PlatformInfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    Verbosity verbosity;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() {
        var report = PlatformReport.collect();
        var out = spec.commandLine().getOut();
        out.print(json ? report.toJson() : report.toText());
        out.flush();
        return 0;
    }
}
