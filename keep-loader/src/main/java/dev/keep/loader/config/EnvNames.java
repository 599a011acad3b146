package dev.keep.loader.config;

/** What a WASI environment variable name may be: non-empty, without '=' (the separator) or NUL. */
public final class EnvNames {
    private EnvNames() {}

    public static boolean isValid(String name) {
        return !name.isEmpty() && name.indexOf('=') < 0 && name.indexOf('\0') < 0;
    }
}
