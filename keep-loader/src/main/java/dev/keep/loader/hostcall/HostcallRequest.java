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
}
