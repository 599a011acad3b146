package dev.keep.shim.snp;

import java.util.Arrays;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/** AES-256-GCM from BouncyCastle: the reference the emitted code is compared against. */
final class ReferenceGcm {
    private ReferenceGcm() {
    }

    /** Ciphertext and 16-byte tag, split. */
    record Result(byte[] ciphertext, byte[] tag) {
    }

    static Result seal(byte[] key, byte[] iv, byte[] aad, byte[] plaintext) {
        GCMModeCipher gcm = cipher(true, key, iv, aad);
        byte[] out = new byte[gcm.getOutputSize(plaintext.length)];
        int n = gcm.processBytes(plaintext, 0, plaintext.length, out, 0);
        try {
            gcm.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException(e);
        }
        return new Result(Arrays.copyOf(out, plaintext.length), Arrays.copyOfRange(out, plaintext.length, out.length));
    }

    /** The plaintext, or null when the tag does not authenticate. */
    static byte[] open(byte[] key, byte[] iv, byte[] aad, byte[] ciphertext, byte[] tag) {
        GCMModeCipher gcm = cipher(false, key, iv, aad);
        byte[] in = new byte[ciphertext.length + tag.length];
        System.arraycopy(ciphertext, 0, in, 0, ciphertext.length);
        System.arraycopy(tag, 0, in, ciphertext.length, tag.length);
        byte[] out = new byte[gcm.getOutputSize(in.length)];
        int n = gcm.processBytes(in, 0, in.length, out, 0);
        try {
            gcm.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            return null;
        }
        return out;
    }

    private static GCMModeCipher cipher(boolean encrypt, byte[] key, byte[] iv, byte[] aad) {
        GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
        gcm.init(encrypt, new AEADParameters(new KeyParameter(key), 128, iv, aad));
        return gcm;
    }
}
