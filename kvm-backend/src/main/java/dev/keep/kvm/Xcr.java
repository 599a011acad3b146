package dev.keep.kvm;

/**
 * One extended control register (struct kvm_xcr); XCR0 (index 0) selects the state components
 * XSAVE manages and the guest may enable.
 *
 * @param xcr the register index (0 for XCR0)
 * @param value its 64-bit value
 */
public record Xcr(int xcr, long value) {}
