package dev.keep.shim.asm;

/**
 * Condition codes in hardware order (the low nibble of jcc / setcc / cmovcc). Each has one canonical
 * name; the aliases ({@link #Z}, {@link #NZ}, {@link #C}, ...) point at the same constant.
 */
public enum Cond {
    O("o"), NO("no"), B("b"), AE("ae"), E("e"), NE("ne"), BE("be"), A("a"),
    S("s"), NS("ns"), P("p"), NP("np"), L("l"), GE("ge"), LE("le"), G("g");

    public static final Cond Z = E;
    public static final Cond NZ = NE;
    public static final Cond C = B;
    public static final Cond NC = AE;
    public static final Cond NAE = B;
    public static final Cond NB = AE;
    public static final Cond NA = BE;
    public static final Cond NBE = A;
    public static final Cond PE = P;
    public static final Cond PO = NP;
    public static final Cond NGE = L;
    public static final Cond NL = GE;
    public static final Cond NG = LE;
    public static final Cond NLE = G;

    private final String suffix;

    Cond(String suffix) {
        this.suffix = suffix;
    }

    /** The 4-bit condition number added to the opcode. */
    public int code() {
        return ordinal();
    }

    /** The opposite condition (the hardware flips bit 0). */
    public Cond negate() {
        return values()[ordinal() ^ 1];
    }

    /** Mnemonic suffix, e.g. {@code "ne"} for {@code jne} / {@code setne} / {@code cmovne}. */
    public String suffix() {
        return suffix;
    }
}
