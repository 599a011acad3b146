package dev.keep.attestation.service;

/** service.toml is missing, unreadable or wrong; the message is one line naming the file and key. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
