package dev.keep.sev.measure;

import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The SEV-SNP launch digest (the attestation report's MEASUREMENT): a SHA-384 chain over one
 * {@link PageInfo} per 4 KiB page, in exactly the order the VMM issues SNP_LAUNCH_UPDATE, starting
 * from 48 zero bytes. VMSA pages come last, one per vCPU in vCPU order, because KVM adds them inside
 * SNP_LAUNCH_FINISH.
 *
 * <pre>{@code
 * LaunchDigest d = new LaunchDigest();
 * d.addNormalPages(0x100000, kernelBytes);
 * d.addZeroPages(0x800000, 0x9000);
 * d.addSecretsPage(0x80d000);
 * d.addCpuidPage(0x80e000);
 * d.addVmsaPage(vmsa);
 * byte[] measurement = d.digest();
 * }</pre>
 *
 * <p>Not thread-safe. Invalid arguments are refused with an {@link IllegalArgumentException} whose
 * message is one line, and leave the digest unchanged.
 */
public final class LaunchDigest {

    public static final int DIGEST_SIZE = 48;
    public static final int PAGE_SIZE = 4096;

    /**
     * The GPA recorded for VMSA pages: (u64)-1, page aligned, bits above 51 cleared (KVM's
     * INITIAL_VMSA_GPA).
     */
    public static final long VMSA_GPA = 0x0000_FFFF_FFFF_F000L;

    /** SNP guest physical addresses have at most 52 bits. */
    private static final long GPA_LIMIT = 1L << 52;
    private static final byte[] NO_CONTENTS = new byte[DIGEST_SIZE];

    private final MessageDigest sha384 = Sha.sha384();
    private byte[] current;
    private long pageCount;

    /** A fresh launch: the digest starts as 48 zero bytes. */
    public LaunchDigest() {
        this.current = new byte[DIGEST_SIZE];
    }

    private LaunchDigest(byte[] start) {
        this.current = start.clone();
    }

    /**
     * Continues a chain from an already known digest, for example a published digest of the
     * firmware pages that were measured first.
     */
    public static LaunchDigest resumingFrom(byte[] digest) {
        if (digest == null || digest.length != DIGEST_SIZE) {
            throw new IllegalArgumentException("a launch digest is 48 bytes");
        }
        return new LaunchDigest(digest);
    }

    /**
     * Adds one page. {@code page} must be the page's 4096 bytes for NORMAL and VMSA pages; for the
     * other types the firmware does not hash the bytes, so {@code page} may be null and is ignored.
     */
    public LaunchDigest addPage(PageType type, long gpa, byte[] page, PageAttributes attributes) {
        if (type == null || attributes == null) {
            throw new IllegalArgumentException("page type and attributes are required");
        }
        checkGpa(gpa);
        byte[] contents;
        if (type.contentsMeasured()) {
            if (page == null || page.length != PAGE_SIZE) {
                throw new IllegalArgumentException(type + " page at 0x" + Long.toHexString(gpa)
                        + " must be exactly 4096 bytes, got " + (page == null ? "none" : page.length));
            }
            contents = Sha.sha384(page, 0, PAGE_SIZE);
        } else {
            contents = NO_CONTENTS;
        }
        chain(new PageInfo(current, contents, type, attributes, gpa));
        return this;
    }

    /** Adds the page a caller has already described; its DIGEST_CUR must be this chain's current digest. */
    public LaunchDigest addPageInfo(PageInfo info) {
        if (info == null) {
            throw new IllegalArgumentException("page info is required");
        }
        if (!MessageDigest.isEqual(info.digestCur(), current)) {
            throw new IllegalArgumentException("PAGE_INFO.DIGEST_CUR does not continue this launch digest");
        }
        checkGpa(info.gpa());
        chain(info);
        return this;
    }

    public LaunchDigest addNormalPage(long gpa, byte[] page) {
        return addPage(PageType.NORMAL, gpa, page, PageAttributes.NONE);
    }

    /** Adds a contiguous region of NORMAL pages starting at {@code gpa}; its length must be a multiple of 4096. */
    public LaunchDigest addNormalPages(long gpa, byte[] data) {
        if (data == null) {
            throw new IllegalArgumentException("NORMAL region data is required");
        }
        return addRegion(PageType.NORMAL, gpa, data, data.length, PageAttributes.NONE);
    }

    /**
     * Adds a region of {@code length} bytes (a multiple of 4096) starting at {@code gpa}, one
     * PAGE_INFO per page. {@code data} is required for NORMAL and VMSA regions and ignored otherwise.
     */
    public LaunchDigest addRegion(PageType type, long gpa, byte[] data, long length, PageAttributes attributes) {
        if (type == null || attributes == null) {
            throw new IllegalArgumentException("page type and attributes are required");
        }
        if (length <= 0 || length % PAGE_SIZE != 0) {
            throw new IllegalArgumentException(type + " region length must be a positive multiple of 4096, got "
                    + length);
        }
        checkGpa(gpa);
        checkGpa(gpa + length - PAGE_SIZE);
        if (type.contentsMeasured() && (data == null || data.length != length)) {
            throw new IllegalArgumentException(type + " region of " + length + " bytes needs exactly that many bytes"
                    + " of data, got " + (data == null ? "none" : data.length));
        }
        for (long offset = 0; offset < length; offset += PAGE_SIZE) {
            byte[] contents = type.contentsMeasured()
                    ? Sha.sha384(data, (int) offset, PAGE_SIZE)
                    : NO_CONTENTS;
            chain(new PageInfo(current, contents, type, attributes, gpa + offset));
        }
        return this;
    }

    /** Adds one VMSA page at {@link #VMSA_GPA}, as KVM does for every vCPU at LAUNCH_FINISH. */
    public LaunchDigest addVmsaPage(byte[] vmsa) {
        return addPage(PageType.VMSA, VMSA_GPA, vmsa, PageAttributes.NONE);
    }

    public LaunchDigest addZeroPage(long gpa) {
        return addPage(PageType.ZERO, gpa, null, PageAttributes.NONE);
    }

    public LaunchDigest addZeroPages(long gpa, long length) {
        return addRegion(PageType.ZERO, gpa, null, length, PageAttributes.NONE);
    }

    public LaunchDigest addUnmeasuredPage(long gpa) {
        return addPage(PageType.UNMEASURED, gpa, null, PageAttributes.NONE);
    }

    public LaunchDigest addUnmeasuredPages(long gpa, long length) {
        return addRegion(PageType.UNMEASURED, gpa, null, length, PageAttributes.NONE);
    }

    /** Adds the secrets page; the firmware fills it, so its bytes are never measured. */
    public LaunchDigest addSecretsPage(long gpa) {
        return addPage(PageType.SECRETS, gpa, null, PageAttributes.NONE);
    }

    /** Adds the CPUID page; the firmware validates rather than measures it. */
    public LaunchDigest addCpuidPage(long gpa) {
        return addPage(PageType.CPUID, gpa, null, PageAttributes.NONE);
    }

    /** The current digest (a copy): after the last page, the guest's MEASUREMENT. */
    public byte[] digest() {
        return current.clone();
    }

    public String digestHex() {
        return HexFormat.of().formatHex(current);
    }

    /** How many pages have been added since this object was created. */
    public long pageCount() {
        return pageCount;
    }

    private void chain(PageInfo info) {
        current = sha384.digest(info.toBytes());
        pageCount++;
    }

    private static void checkGpa(long gpa) {
        if (gpa < 0 || gpa >= GPA_LIMIT) {
            throw new IllegalArgumentException("GPA 0x" + Long.toHexString(gpa) + " is outside the 52-bit guest"
                    + " physical address space");
        }
        if ((gpa & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("GPA 0x" + Long.toHexString(gpa) + " is not 4 KiB aligned");
        }
    }
}
