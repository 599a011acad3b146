package dev.keep.shim.snp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The emitted AES-256-GCM, run natively, against published vectors and BouncyCastle. */
class AesGcmEmitterTest {
    private static final HexFormat HEX = HexFormat.of();
    private static EmittedGcm gcm;

    /** McGrew–Viega "The Galois/Counter Mode of Operation", AES-256 test cases 13–16 (96-bit IVs). */
    private record Vector(String name, String key, String iv, String aad, String plaintext, String ciphertext,
                          String tag) {
    }

    private static final String K15 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
    private static final String P15 = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
    private static final String C15 = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";
    private static final List<Vector> VECTORS = List.of(
        new Vector("13", "00".repeat(32), "00".repeat(12), "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"),
        new Vector("14", "00".repeat(32), "00".repeat(12), "", "00".repeat(16), "cea7403d4d606b6e074ec5d3baf39d18",
            "d0d1c8a799996bf0265b98b5d48ab919"),
        new Vector("15", K15, "cafebabefacedbaddecaf888", "", P15, C15, "b094dac5d93471bdec1a502270e3cc6c"),
        new Vector("16", K15, "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            P15.substring(0, 120), C15.substring(0, 120), "76fc6ece0f4e1768cddf8853bb2d551b"));

    @BeforeAll
    static void emit() throws Throwable {
        CpuFeatures.requireAesNiAndClmul();
        gcm = new EmittedGcm();
    }

    @AfterAll
    static void release() throws Exception {
        gcm.close();
    }

    @Test
    void publishedVectorsBothDirections() throws Throwable {
        for (Vector v : VECTORS) {
            byte[] key = HEX.parseHex(v.key());
            byte[] iv = HEX.parseHex(v.iv());
            byte[] aad = HEX.parseHex(v.aad());
            byte[] pt = HEX.parseHex(v.plaintext());
            // The reference itself agrees with the published values.
            assertEquals(v.ciphertext() + v.tag(), hex(ReferenceGcm.seal(key, iv, aad, pt)), "BouncyCastle, case " + v.name());

            EmittedGcm.Sealed sealed = gcm.seal(key, iv, aad, pt, false);
            assertEquals(SnpLayout.GCM_OK, sealed.status(), "case " + v.name());
            assertEquals(v.ciphertext(), HEX.formatHex(sealed.ciphertext()), "ciphertext, case " + v.name());
            assertEquals(v.tag(), HEX.formatHex(sealed.tag()), "tag, case " + v.name());

            EmittedGcm.Opened opened = gcm.open(key, iv, aad, HEX.parseHex(v.ciphertext()), HEX.parseHex(v.tag()), false);
            assertEquals(SnpLayout.GCM_OK, opened.status(), "open, case " + v.name());
            assertEquals(v.plaintext(), HEX.formatHex(opened.plaintext()), "plaintext, case " + v.name());
        }
        assertFalse(gcm.outOfBoundsWrite(), "a routine wrote past the end of a buffer");
    }

    /** Every length 0..64 and a few hundred random ones up to 4096, AAD 0..100, in and out of place. */
    @Test
    void randomCasesAgreeWithBouncyCastle() throws Throwable {
        Random rnd = new Random(0x5EC0_6C31L);
        int cases = 0;
        for (int i = 0; i < 365; i++) {
            int length = i <= 64 ? i : rnd.nextInt(4097);
            int aadLength = i % 7 == 0 ? 0 : rnd.nextInt(101);
            byte[] key = random(rnd, 32);
            byte[] iv = random(rnd, 12);
            byte[] aad = random(rnd, aadLength);
            byte[] pt = random(rnd, length);
            boolean inPlace = i % 3 == 0;
            ReferenceGcm.Result expected = ReferenceGcm.seal(key, iv, aad, pt);

            EmittedGcm.Sealed sealed = gcm.seal(key, iv, aad, pt, inPlace);
            String what = "length " + length + ", AAD " + aadLength + (inPlace ? ", in place" : "");
            assertEquals(SnpLayout.GCM_OK, sealed.status(), what);
            assertArrayEquals(expected.ciphertext(), sealed.ciphertext(), "ciphertext, " + what);
            assertArrayEquals(expected.tag(), sealed.tag(), "tag, " + what);

            EmittedGcm.Opened opened = gcm.open(key, iv, aad, expected.ciphertext(), expected.tag(), !inPlace);
            assertEquals(SnpLayout.GCM_OK, opened.status(), what);
            assertArrayEquals(pt, opened.plaintext(), "plaintext, " + what);
            cases++;
        }
        assertEquals(365, cases);
        assertFalse(gcm.outOfBoundsWrite(), "a routine wrote past the end of a buffer");
    }

    /** Any flipped bit of ciphertext, tag or AAD, or a different IV or key, fails and releases nothing. */
    @Test
    void tamperingIsRefusedAndPlaintextWiped() throws Throwable {
        Random rnd = new Random(77);
        for (int length : new int[] {0, 1, 15, 16, 17, 96, 1216, 4000}) {
            byte[] key = random(rnd, 32);
            byte[] iv = random(rnd, 12);
            byte[] aad = random(rnd, 48);
            byte[] pt = random(rnd, length);
            ReferenceGcm.Result good = ReferenceGcm.seal(key, iv, aad, pt);
            if (length > 0) {
                byte[] ct = good.ciphertext().clone();
                ct[rnd.nextInt(length)] ^= (byte) (1 << rnd.nextInt(8));
                assertRefused(key, iv, aad, ct, good.tag(), "ciphertext bit, length " + length);
            }
            byte[] tag = good.tag().clone();
            tag[rnd.nextInt(16)] ^= (byte) (1 << rnd.nextInt(8));
            assertRefused(key, iv, aad, good.ciphertext(), tag, "tag bit, length " + length);
            byte[] lastTagByte = good.tag().clone();
            lastTagByte[15] ^= (byte) 0x80;
            assertRefused(key, iv, aad, good.ciphertext(), lastTagByte, "last tag byte, length " + length);
            byte[] badAad = aad.clone();
            badAad[rnd.nextInt(48)] ^= 1;
            assertRefused(key, iv, badAad, good.ciphertext(), good.tag(), "AAD bit, length " + length);
            assertRefused(key, iv, Arrays.copyOf(aad, 47), good.ciphertext(), good.tag(), "shorter AAD, length " + length);
            byte[] badIv = iv.clone();
            badIv[11] ^= 1;
            assertRefused(key, badIv, aad, good.ciphertext(), good.tag(), "IV bit, length " + length);
            byte[] badKey = key.clone();
            badKey[31] ^= 1;
            assertRefused(badKey, iv, aad, good.ciphertext(), good.tag(), "key bit, length " + length);
        }
    }

    @Test
    void refusesLengthsAboveFourGiB() throws Throwable {
        assertEquals(SnpLayout.GCM_TOO_LONG, gcm.sealWithLengths(0, 1L << 32));
        assertEquals(SnpLayout.GCM_TOO_LONG, gcm.sealWithLengths(1L << 32, 0));
        assertEquals(SnpLayout.GCM_TOO_LONG, gcm.sealWithLengths(-1L, 0));
        assertEquals(SnpLayout.GCM_OK, gcm.sealWithLengths(0, 0));
    }

    private static void assertRefused(byte[] key, byte[] iv, byte[] aad, byte[] ct, byte[] tag, String what)
        throws Throwable {
        assertNull(ReferenceGcm.open(key, iv, aad, ct, tag), "BouncyCastle accepts " + what);
        EmittedGcm.Opened opened = gcm.open(key, iv, aad, ct, tag, false);
        assertEquals(SnpLayout.GCM_AUTH_FAILED, opened.status(), what);
        assertArrayEquals(new byte[ct.length], opened.plaintext(), "plaintext not wiped after " + what);
        EmittedGcm.Opened inPlace = gcm.open(key, iv, aad, ct, tag, true);
        assertEquals(SnpLayout.GCM_AUTH_FAILED, inPlace.status(), what + " (in place)");
        assertArrayEquals(new byte[ct.length], inPlace.plaintext(), "in-place buffer not wiped after " + what);
    }

    private static String hex(ReferenceGcm.Result r) {
        return HEX.formatHex(r.ciphertext()) + HEX.formatHex(r.tag());
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
