package dev.keep.loader.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code keep --version}: the build's version and the Java runtime it runs on. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        Properties props = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/keep-version.properties")) {
            if (in != null) {
                props.load(in);
            }
        }
        return new String[] {
            "keep " + props.getProperty("version", "unknown"),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
        };
    }
}
