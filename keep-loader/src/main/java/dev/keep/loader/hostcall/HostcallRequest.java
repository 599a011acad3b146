package dev.keep.loader.hostcall;

/** A validated hostcall: every field checked, payload copied out of guest memory. */
public sealed interface HostcallRequest extends MailboxDecision {

    /** The request's sequence number. */
    long sequence();

    /**
     * Write bytes to the keep's stdout (fd 1) or stderr (fd 2).
     *
     * @param data a private copy of the guest's bytes
     */
    record Write(long sequence, int fd, byte[] data) implements HostcallRequest {
        public Write {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        public int length() {
            return data.length;
        }
    }

    /**
     * End the keep with an exit status.
     *
     * @param status 0..255
     */
    record Exit(long sequence, int status) implements HostcallRequest {
    }

    /**
     * One WASI call to perform on the keep's behalf ({@code OP_WASI}).
     *
     * @param args one slot per parameter of the call (pointer slots are 0)
     * @param inputs private copies of the input byte runs, in parameter order
     * @param capacity bytes the reply's variable part may hold
     * @param replyOffset where the reply payload goes (checked to lie in the payload area, clear
     *     of the request, with room for the fixed outputs plus {@code capacity})
     */
    record Wasi(long sequence, dev.keep.shim.abi.WasiCall call, long[] args,
            java.util.List<byte[]> inputs, int capacity, int replyOffset) implements HostcallRequest {
        public Wasi {
            args = args.clone();
            inputs = inputs.stream().map(byte[]::clone).toList();
        }
    }

    /**
     * A store keep is idle and asks for its next call ({@code OP_AWAIT}).
     *
     * @param status 0, or the trap code of the call it just made
     * @param replyOffset where the next call goes ({@code AWAIT_REPLY_LENGTH} bytes, checked)
     */
    record Await(long sequence, int status, int replyOffset) implements HostcallRequest {
    }
}
