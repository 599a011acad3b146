package dev.keep.shim.asm;

/** The control registers that exist in long mode and that ring-0 code may move to or from. */
public enum ControlReg {
    CR0(0), CR2(2), CR3(3), CR4(4), CR8(8);

    private final int index;

    ControlReg(int index) {
        this.index = index;
    }

    public int index() {
        return index;
    }

    public String intelName() {
        return "cr" + index;
    }
}
