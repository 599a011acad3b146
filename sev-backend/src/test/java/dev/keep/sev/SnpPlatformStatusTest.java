package dev.keep.sev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class SnpPlatformStatusTest {

    @Test
    void decodesEveryField() {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 1).put((byte) 55).put((byte) 1).put((byte) 0x01);
        b.putInt(29);
        b.putInt(0b101);              // mask_chip_id, vlek_en
        b.putInt(3);
        b.putLong(0xDB18_0000_0000_0004L);
        b.putLong(0x7300_0000_0000_0003L);
        SnpPlatformStatus s = SnpPlatformStatus.decode(b.array());
        assertEquals("1.55 build 29", s.firmwareVersion());
        assertEquals("INIT", s.stateName());
        assertTrue(s.rmpInitialized());
        assertTrue(s.maskChipId());
        assertFalse(s.maskChipKey());
        assertTrue(s.vlekEnabled());
        assertEquals(3, s.guestCount());
        assertEquals("db18000000000004", s.currentTcbHex());
        assertEquals("7300000000000003", s.reportedTcbHex());
    }

    @Test
    void uninitialisedAndUnknownStates() {
        byte[] raw = new byte[32];
        assertEquals("UNINIT", SnpPlatformStatus.decode(raw).stateName());
        raw[2] = 9;
        assertEquals("unknown state 9", SnpPlatformStatus.decode(raw).stateName());
    }

    @Test
    void wrongSizeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SnpPlatformStatus.decode(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> SnpPlatformStatus.decode(null));
    }
}
