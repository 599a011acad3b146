package dev.keep.attestation.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keep.attestation.SnpTestData;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.Test;

class SignatureMemoTest {
    @Test
    void checksEachPairOnceAndKeepsFailuresToo() throws Exception {
        List<X509CertificateHolder> chain = milanChain();
        X509CertificateHolder ask = chain.get(0);
        X509CertificateHolder ark = chain.get(1);
        SignatureMemo memo = new SignatureMemo(8);
        AtomicInteger calls = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            assertEquals(Optional.empty(), memo.problem(ask, ark, (c, iss) -> {
                calls.incrementAndGet();
                return CertificateChecks.pssSignatureProblem(c, iss);
            }));
            assertEquals(Optional.of("wrong"), memo.problem(ark, ask, (c, iss) -> {
                calls.incrementAndGet();
                return Optional.of("wrong");
            }));
        }
        assertEquals(2, calls.get());
        assertEquals(2, memo.size());
    }

    @Test
    void forgetsTheLeastRecentlyUsedBeyondItsCapacity() throws Exception {
        List<X509CertificateHolder> chain = milanChain();
        SignatureMemo memo = new SignatureMemo(1);
        memo.problem(chain.get(0), chain.get(1), (c, i) -> Optional.empty());
        memo.problem(chain.get(1), chain.get(1), (c, i) -> Optional.empty());
        assertEquals(1, memo.size());
        AtomicInteger calls = new AtomicInteger();
        memo.problem(chain.get(0), chain.get(1), (c, i) -> {
            calls.incrementAndGet();
            return Optional.empty();
        });
        assertEquals(1, calls.get(), "the evicted pair is checked again");
    }

    /** ASK then ARK of the genuine Milan chain in the shared test data. */
    private static List<X509CertificateHolder> milanChain() throws Exception {
        byte[] pem = java.nio.file.Files.readAllBytes(SnpTestData.path(SnpTestData.R1_CHAIN));
        List<X509CertificateHolder> certs = CertificateLoader.certificates(pem, "cert_chain_milan");
        assertEquals(2, certs.size());
        return certs;
    }
}
