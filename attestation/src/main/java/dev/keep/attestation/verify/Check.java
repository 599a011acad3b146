package dev.keep.attestation.verify;

/**
 * One verification step and its outcome.
 *
 * @param name stable dotted identifier, for example {@code chain.ark.pin} or {@code policy.debug}
 * @param detail one line saying what was compared and why it passed or failed
 */
public record Check(String name, boolean passed, String detail) {
    public static Check pass(String name, String detail) {
        return new Check(name, true, detail);
    }

    public static Check fail(String name, String detail) {
        return new Check(name, false, detail);
    }
}
