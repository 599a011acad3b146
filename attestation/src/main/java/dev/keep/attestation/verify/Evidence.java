package dev.keep.attestation.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * What is to be verified: the report file contents (raw or hex) and any certificate and CRL files, as bytes, each
 * with a name for messages. Nothing is parsed here, so building evidence never fails on bad input; the verifier
 * turns unreadable parts into failed checks.
 */
public final class Evidence {
    /** One input file: a name for messages and its bytes. */
    public record Source(String name, byte[] contents) {}

    private final byte[] report;
    private final List<Source> certificates;
    private final List<Source> crls;
    private final List<Check> collateralChecks;

    private Evidence(Builder b) {
        report = b.report == null ? new byte[0] : b.report.clone();
        certificates = List.copyOf(b.certificates);
        crls = List.copyOf(b.crls);
        collateralChecks = List.copyOf(b.collateralChecks);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.report = report;
        b.certificates.addAll(certificates);
        b.crls.addAll(crls);
        b.collateralChecks.addAll(collateralChecks);
        return b;
    }

    public byte[] report() {
        return report.clone();
    }

    public List<Source> certificates() {
        return certificates;
    }

    public List<Source> crls() {
        return crls;
    }

    /** Outcomes of gathering collateral (for example KDS fetches), copied into the verdict. */
    public List<Check> collateralChecks() {
        return collateralChecks;
    }

    /** Builder. */
    public static final class Builder {
        private byte[] report;
        private final List<Source> certificates = new ArrayList<>();
        private final List<Source> crls = new ArrayList<>();
        private final List<Check> collateralChecks = new ArrayList<>();

        private Builder() {}

        /** Report file contents: 1184 raw bytes or the same as hex text. */
        public Builder report(byte[] contents) {
            report = contents;
            return this;
        }

        /** A DER certificate or a PEM file with any number of certificates (VCEK, VLEK, ASK, ASVK, ARK). */
        public Builder certificates(String name, byte[] contents) {
            certificates.add(new Source(name, contents));
            return this;
        }

        /** A DER or PEM CRL as published by AMD KDS. */
        public Builder crl(String name, byte[] contents) {
            crls.add(new Source(name, contents));
            return this;
        }

        public Builder collateralCheck(Check check) {
            collateralChecks.add(check);
            return this;
        }

        public Evidence build() {
            return new Evidence(this);
        }
    }
}
