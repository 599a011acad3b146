package dev.keep.loader.config;

/** Keep.toml fragments shared by the tests. */
public final class KeepTomls {
    /** fd 0, 1 and 2 bound to the host's standard streams; the entry after it is fd 3. */
    public static final String STANDARD_STREAMS = """
            [[files]]
            kind = "stdin"
            [[files]]
            kind = "stdout"
            [[files]]
            kind = "stderr"
            """;

    private KeepTomls() {}
}
