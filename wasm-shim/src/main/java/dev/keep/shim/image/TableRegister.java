package dev.keep.shim.image;

/**
 * GDTR or IDTR.
 *
 * @param base virtual address of the table
 * @param limit size in bytes minus one
 */
public record TableRegister(long base, int limit) {
}
