package dev.keep.sev.launch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The SEV-SNP guest policy (SNP_LAUNCH_START {@code policy}, reported as POLICY): what the firmware
 * must enforce for the keep's whole life. Bit layout (sev-snp.md §2.1):
 * <pre>
 *  7:0 ABI_MINOR   15:8 ABI_MAJOR   16 SMT   17 reserved, must be 1   18 MIGRATE_MA   19 DEBUG
 *  20 SINGLE_SOCKET   21 CXL_ALLOW   22 MEM_AES_256_XTS   23 RAPL_DIS   24 CIPHERTEXT_HIDING_DRAM
 *  25 PAGE_SWAP_DISABLE   63:26 must be 0
 * </pre>
 * The record models every defined bit so that a policy read back from a report round-trips; what a
 * KVM launch accepts is narrower ({@link #requireKvmAccepts()}).
 *
 * @param abiMajor minimum firmware ABI major version the guest runs on
 * @param abiMinor minimum firmware ABI minor version
 * @param smt the guest may run on a host with SMT enabled
 * @param migrateMa a migration agent may be associated with the guest
 * @param debug the host may decrypt guest memory with the firmware's debug commands: never for a
 *     production keep, so off by default
 * @param singleSocket the guest may run on one socket only
 * @param cxlAllow CXL memory may back the guest
 * @param memAes256Xts AES-256-XTS memory encryption is required
 * @param raplDis the host must have RAPL disabled
 * @param ciphertextHiding ciphertext hiding must be enabled for DRAM
 * @param pageSwapDisable the firmware's page swap commands are disabled for the guest
 */
public record SnpGuestPolicy(int abiMajor, int abiMinor, boolean smt, boolean migrateMa, boolean debug,
        boolean singleSocket, boolean cxlAllow, boolean memAes256Xts, boolean raplDis,
        boolean ciphertextHiding, boolean pageSwapDisable) {

    public static final long ABI_MINOR_MASK = 0xFF;
    public static final int ABI_MAJOR_SHIFT = 8;
    public static final long SMT = 1L << 16;
    public static final long RESERVED_MBO = 1L << 17;
    public static final long MIGRATE_MA = 1L << 18;
    public static final long DEBUG = 1L << 19;
    public static final long SINGLE_SOCKET = 1L << 20;
    public static final long CXL_ALLOW = 1L << 21;
    public static final long MEM_AES_256_XTS = 1L << 22;
    public static final long RAPL_DIS = 1L << 23;
    public static final long CIPHERTEXT_HIDING_DRAM = 1L << 24;
    public static final long PAGE_SWAP_DISABLE = 1L << 25;
    /** Bits 63:26 must be zero. */
    public static final long MUST_BE_ZERO = -1L << 26;
    /**
     * The bits KVM's SNP_LAUNCH_START lets through (SNP_POLICY_MASK_VALID, sev-snp.md §1.3): ABI
     * minor and major, SMT, the reserved bit, DEBUG and SINGLE_SOCKET (which it then refuses).
     */
    public static final long KVM_VALID = 0xFFFF | SMT | RESERVED_MBO | DEBUG | SINGLE_SOCKET;

    /** The Keep.toml keys {@link #fromMap} understands, in bit order. */
    public static final Set<String> KEYS = Set.of("abi_major", "abi_minor", "smt", "migrate_ma", "debug",
            "single_socket", "cxl_allow", "mem_aes_256_xts", "rapl_dis", "ciphertext_hiding_dram",
            "page_swap_disable");

    public SnpGuestPolicy {
        checkAbi("abi_major", abiMajor);
        checkAbi("abi_minor", abiMinor);
    }

    /** Policy 0x30000: any firmware ABI, SMT allowed, everything else off (debug off). QEMU's default too. */
    public static SnpGuestPolicy defaults() {
        return new SnpGuestPolicy(0, 0, true, false, false, false, false, false, false, false, false);
    }

    /** The 64-bit policy word, with the reserved bit 17 set. */
    public long bits() {
        return abiMinor
                | (long) abiMajor << ABI_MAJOR_SHIFT
                | (smt ? SMT : 0)
                | RESERVED_MBO
                | (migrateMa ? MIGRATE_MA : 0)
                | (debug ? DEBUG : 0)
                | (singleSocket ? SINGLE_SOCKET : 0)
                | (cxlAllow ? CXL_ALLOW : 0)
                | (memAes256Xts ? MEM_AES_256_XTS : 0)
                | (raplDis ? RAPL_DIS : 0)
                | (ciphertextHiding ? CIPHERTEXT_HIDING_DRAM : 0)
                | (pageSwapDisable ? PAGE_SWAP_DISABLE : 0);
    }

    /**
     * Decodes a policy word, e.g. a report's POLICY.
     *
     * @throws IllegalArgumentException (one line) if bit 17 is clear or a bit above 25 is set
     */
    public static SnpGuestPolicy fromBits(long bits) {
        if ((bits & RESERVED_MBO) == 0) {
            throw new IllegalArgumentException(String.format(
                    "SNP guest policy %#x has reserved bit 17 clear; it must be 1", bits));
        }
        if ((bits & MUST_BE_ZERO) != 0) {
            throw new IllegalArgumentException(String.format(
                    "SNP guest policy %#x sets undefined bits %#x (bits 63:26 must be 0)", bits, bits & MUST_BE_ZERO));
        }
        return new SnpGuestPolicy((int) (bits >>> ABI_MAJOR_SHIFT & 0xFF), (int) (bits & ABI_MINOR_MASK),
                (bits & SMT) != 0, (bits & MIGRATE_MA) != 0, (bits & DEBUG) != 0, (bits & SINGLE_SOCKET) != 0,
                (bits & CXL_ALLOW) != 0, (bits & MEM_AES_256_XTS) != 0, (bits & RAPL_DIS) != 0,
                (bits & CIPHERTEXT_HIDING_DRAM) != 0, (bits & PAGE_SWAP_DISABLE) != 0);
    }

    /**
     * The policy of a Keep.toml {@code [sev]} section (or of its policy sub-table): keys as in
     * {@link #KEYS}, {@code abi_major}/{@code abi_minor} integers 0-255, the others booleans. Absent
     * keys keep their {@link #defaults()} value; so {@code debug} is off unless the file turns it on.
     *
     * @throws IllegalArgumentException (one line) for an unknown key or a value of the wrong type
     */
    public static SnpGuestPolicy fromMap(Map<String, ?> values) {
        if (values == null) {
            throw new IllegalArgumentException("no SNP guest policy values");
        }
        for (String key : values.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown SNP guest policy key '" + key + "'; known keys: "
                        + String.join(", ", new java.util.TreeSet<>(KEYS)));
            }
        }
        SnpGuestPolicy d = defaults();
        return new SnpGuestPolicy(
                integer(values, "abi_major", d.abiMajor),
                integer(values, "abi_minor", d.abiMinor),
                flag(values, "smt", d.smt),
                flag(values, "migrate_ma", d.migrateMa),
                flag(values, "debug", d.debug),
                flag(values, "single_socket", d.singleSocket),
                flag(values, "cxl_allow", d.cxlAllow),
                flag(values, "mem_aes_256_xts", d.memAes256Xts),
                flag(values, "rapl_dis", d.raplDis),
                flag(values, "ciphertext_hiding_dram", d.ciphertextHiding),
                flag(values, "page_swap_disable", d.pageSwapDisable));
    }

    /** The policy as Keep.toml keys and values (the inverse of {@link #fromMap}). */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("abi_major", abiMajor);
        map.put("abi_minor", abiMinor);
        map.put("smt", smt);
        map.put("migrate_ma", migrateMa);
        map.put("debug", debug);
        map.put("single_socket", singleSocket);
        map.put("cxl_allow", cxlAllow);
        map.put("mem_aes_256_xts", memAes256Xts);
        map.put("rapl_dis", raplDis);
        map.put("ciphertext_hiding_dram", ciphertextHiding);
        map.put("page_swap_disable", pageSwapDisable);
        return map;
    }

    /**
     * Refuses what KVM's SNP_LAUNCH_START (Linux 6.11+) would refuse with a bare EINVAL, so the
     * user learns which setting is the problem: bits outside {@link #KVM_VALID}, SMT clear (KVM
     * requires it, like the reserved bit) and SINGLE_SOCKET (which KVM does not support).
     *
     * @throws IllegalArgumentException (one line) naming the setting
     */
    public void requireKvmAccepts() {
        long unsupported = bits() & ~KVM_VALID;
        if (unsupported != 0) {
            throw new IllegalArgumentException(String.format(
                    "SNP guest policy %#x sets %s, which KVM's SNP launch does not support", bits(),
                    names(unsupported)));
        }
        if (!smt) {
            throw new IllegalArgumentException("SNP guest policy must allow SMT (smt = true): KVM refuses a"
                    + " launch without the SMT bit");
        }
        if (singleSocket) {
            throw new IllegalArgumentException("SNP guest policy single_socket = true is not supported by KVM");
        }
    }

    private static String names(long bits) {
        StringBuilder out = new StringBuilder();
        String[] names = {"migrate_ma", null, "single_socket", "cxl_allow", "mem_aes_256_xts", "rapl_dis",
            "ciphertext_hiding_dram", "page_swap_disable"};
        for (int bit = 18; bit <= 25; bit++) {
            if ((bits & 1L << bit) != 0 && names[bit - 18] != null) {
                out.append(out.isEmpty() ? "" : ", ").append(names[bit - 18]);
            }
        }
        return out.toString();
    }

    private static int integer(Map<String, ?> values, String key, int fallback) {
        Object value = values.get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte)) {
            throw new IllegalArgumentException("SNP guest policy '" + key + "' must be an integer, got " + value);
        }
        long number = ((Number) value).longValue();
        if (number < 0 || number > 0xFF) {
            throw new IllegalArgumentException("SNP guest policy '" + key + "' must be 0-255, got " + number);
        }
        return (int) number;
    }

    private static boolean flag(Map<String, ?> values, String key, boolean fallback) {
        Object value = values.get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Boolean b)) {
            throw new IllegalArgumentException("SNP guest policy '" + key + "' must be true or false, got " + value);
        }
        return b;
    }

    private static void checkAbi(String key, int value) {
        if (value < 0 || value > 0xFF) {
            throw new IllegalArgumentException("SNP guest policy " + key + " must be 0-255, got " + value);
        }
    }
}
