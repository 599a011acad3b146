package dev.keep.loader.config;

import dev.keep.loader.KeepException;

/** A Keep.toml that cannot be used; the message names the file, the line and the key. */
public final class ConfigException extends KeepException {
    public ConfigException(String message) {
        super(message);
    }
}
