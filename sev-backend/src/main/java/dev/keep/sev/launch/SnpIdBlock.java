package dev.keep.sev.launch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The ID block and its authentication structure for SNP_LAUNCH_FINISH. The firmware checks the
 * block's launch digest and policy against the launch and the signature in {@code idAuth}; the
 * report then carries the block's FAMILY_ID and IMAGE_ID and the ID key digest.
 *
 * <pre>
 * ID block (96 bytes): 0x00 LD[48] launch digest; 0x30 FAMILY_ID[16]; 0x40 IMAGE_ID[16];
 *                      0x50 u32 VERSION (1); 0x54 u32 GUEST_SVN; 0x58 u64 POLICY
 * </pre>
 *
 * @param idBlock the 96-byte ID block
 * @param idAuth the 4096-byte ID authentication information structure
 * @param authorKeyEnabled whether {@code idAuth} also carries an author key (auth_key_en)
 */
public record SnpIdBlock(byte[] idBlock, byte[] idAuth, boolean authorKeyEnabled) {

    public static final int LAUNCH_DIGEST_OFFSET = 0;
    public static final int POLICY_OFFSET = 0x58;

    public SnpIdBlock {
        if (idBlock == null || idBlock.length != SnpLaunchAbi.KVM_SEV_SNP_ID_BLOCK_SIZE) {
            throw new IllegalArgumentException("an SNP ID block is exactly 96 bytes, got "
                    + (idBlock == null ? "none" : idBlock.length));
        }
        if (idAuth == null || idAuth.length != SnpLaunchAbi.KVM_SEV_SNP_ID_AUTH_SIZE) {
            throw new IllegalArgumentException("an SNP ID authentication structure is exactly 4096 bytes, got "
                    + (idAuth == null ? "none" : idAuth.length));
        }
        idBlock = idBlock.clone();
        idAuth = idAuth.clone();
    }

    @Override
    public byte[] idBlock() {
        return idBlock.clone();
    }

    @Override
    public byte[] idAuth() {
        return idAuth.clone();
    }

    /** The launch digest the block vouches for (LD). */
    public byte[] launchDigest() {
        return Arrays.copyOfRange(idBlock, LAUNCH_DIGEST_OFFSET, LAUNCH_DIGEST_OFFSET + 48);
    }

    /** The guest policy the block vouches for. */
    public long policy() {
        return ByteBuffer.wrap(idBlock).order(ByteOrder.LITTLE_ENDIAN).getLong(POLICY_OFFSET);
    }
}
