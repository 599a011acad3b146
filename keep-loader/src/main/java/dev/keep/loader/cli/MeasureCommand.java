package dev.keep.loader.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.keep.loader.KeepException;
import dev.keep.loader.config.KeepConfig;
import dev.keep.loader.config.KeepConfigParser;
import dev.keep.loader.config.SevConfig;
import dev.keep.loader.kvm.KeepCodeCache;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.AppModuleLoader;
import dev.keep.sev.launch.SnpLaunchLayout;
import dev.keep.sev.launch.SnpLaunchOptions;
import dev.keep.sev.launch.SnpLaunchPlan;
import dev.keep.sev.launch.SnpMeasurement;
import dev.keep.sev.measure.PageType;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.KeepImageBuilder;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.LaunchConfig;
import dev.keep.shim.link.LinkException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code keep measure}: the SEV-SNP launch measurement a keep running the app would report. It links
 * the app into the SEV-SNP keep image the launcher launches ({@link KeepLinker#linkSnp}, built for the
 * launching host's C-bit position, {@code --cbit}), plans the SNP launch ({@link SnpLaunchPlan}, the
 * same page list the launcher issues) and prints the launch digest of that plan. The app is given the
 * same argv and environment as {@code keep run} would give it, because both are baked into the
 * measured image.
 */
@Command(name = "measure", mixinStandardHelpOptions = true,
        description = {
            "Print the SEV-SNP launch measurement (MEASUREMENT of the attestation report) of a keep running APP.wasm.",
            "argv and the environment are part of the measured image: ARGS and --env merge with Keep.toml as for"
                + " 'keep run' (argv[0] is the file name); everything after APP.wasm is the app's."
                + " The guest policy, ID block and host_data (Keep.toml's [sev]) are not part of the measurement;"
                + " --json prints them next to it."
        })
public final class MeasureCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    Verbosity verbosity;

    @Option(names = "--config", paramLabel = "Keep.toml", description = "Keep.toml whose args and env the app gets.")
    Path config;

    @Option(names = "--env", paramLabel = "KEY=VALUE",
            description = "Set an environment variable for the app (repeatable; overrides Keep.toml).")
    List<String> env = new ArrayList<>();

    @Option(names = "--json", description = "Print the measurement as JSON with what a verifier checks next to it:"
            + " the guest policy (hex and decoded) and host_data from Keep.toml's [sev], plus page counts, image"
            + " digest, argv and env.")
    boolean json;

    @Option(names = "--cbit", paramLabel = "N", defaultValue = "" + DEFAULT_C_BIT,
            description = "C-bit position of the host that will launch the keep (its CPUID 0x8000001F EBX[5:0]):"
                + " it is in the keep's page tables and CPUID page, so it changes the measurement."
                + " Default ${DEFAULT-VALUE}, the value on AMD EPYC Milan and Genoa.")
    int cBit;

    @Parameters(index = "0", paramLabel = "APP.wasm", description = "The WebAssembly app.")
    Path app;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments the app will be run with.")
    List<String> appArgs = new ArrayList<>();

    /** The C-bit position of AMD EPYC Milan and Genoa (CPUID 0x8000001F EBX[5:0] = 51). */
    public static final int DEFAULT_C_BIT = 51;

    @Override
    public Integer call() {
        if (cBit < KeepImageBuilder.MIN_C_BIT || cBit > KeepImageBuilder.MAX_C_BIT) {
            throw new ParameterException(spec.commandLine(), "--cbit must be a C-bit position from "
                    + KeepImageBuilder.MIN_C_BIT + " to " + KeepImageBuilder.MAX_C_BIT + ", got " + cBit);
        }
        Map<String, String> cliEnv = AppCommandLine.env(env, spec.commandLine());
        KeepConfig keepConfig = config == null ? KeepConfig.defaults() : KeepConfigParser.parse(config);
        AppModule module = AppModuleLoader.load(app);

        // The same merge as keep run: Keep.toml's args, then the command line's; --env wins over Keep.toml.
        List<String> args = new ArrayList<>(keepConfig.args());
        args.addAll(AppCommandLine.argsAfterApp(appArgs));
        Map<String, String> environment = new LinkedHashMap<>(keepConfig.env());
        environment.putAll(cliEnv);
        LaunchConfig launch = new LaunchConfig(module.programName(), args, new LinkedHashMap<>(environment),
                LaunchConfig.DEFAULT_MEMORY_PAGES);

        KeepImage image;
        try {
            image = KeepLinker.linkSnp(module.bytes(), launch, cBit, KeepCodeCache.forUser().forApp(module,
                    VerboseLog.to(spec.commandLine().getErr(), KeepCommand.verbose(spec, verbosity))));
        } catch (LinkException e) {
            throw new KeepException(app + ": " + e.getMessage());
        }
        SnpLaunchOptions options = SnpLaunchOptions.defaults();
        SnpLaunchPlan plan;
        try {
            plan = SnpLaunchPlan.of(image, options);
        } catch (IllegalArgumentException e) {
            throw new KeepException(app + ": cannot plan an SEV-SNP launch: " + e.getMessage());
        }
        String measurement = HexFormat.of().formatHex(SnpMeasurement.of(plan));

        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? json(measurement, plan, image, launch, options, keepConfig.sev(), cBit) : measurement);
        out.flush();
        return 0;
    }

    private static String json(String measurement, SnpLaunchPlan plan, KeepImage image, LaunchConfig launch,
            SnpLaunchOptions options, SevConfig sev, int cBit) {
        Map<String, Object> pages = new LinkedHashMap<>();
        for (PageType type : PageType.values()) {
            pages.put(type.name(), plan.pageCounts().getOrDefault(type, 0L));
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("measurement", measurement);
        // Not measured, but reported next to MEASUREMENT (POLICY, HOST_DATA): a verifier checks both.
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("hex", hex(sev.policy().bits()));
        policy.putAll(sev.policy().toMap());
        doc.put("policy", policy);
        doc.put("hostData", HexFormat.of().formatHex(sev.hostData()));
        sev.idBlock().ifPresent(id -> {
            Map<String, Object> block = new LinkedHashMap<>();
            block.put("launchDigest", HexFormat.of().formatHex(id.launchDigest()));
            block.put("matchesMeasurement", HexFormat.of().formatHex(id.launchDigest()).equals(measurement));
            block.put("authorKey", id.authorKeyEnabled());
            doc.put("idBlock", block);
        });
        doc.put("pages", pages);
        doc.put("imageDigest", HexFormat.of().formatHex(image.digest()));
        doc.put("argv", launch.argv());
        doc.put("env", launch.env());
        doc.put("memoryPages", launch.memoryPages());
        doc.put("sevFeatures", hex(options.sevFeatures()));
        doc.put("cBitPosition", cBit);
        doc.put("secretsPageGpa", hex(SnpLaunchLayout.SECRETS_PAGE_GPA));
        doc.put("cpuidPageGpa", hex(SnpLaunchLayout.CPUID_PAGE_GPA));
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the measurement as JSON", e);
        }
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
