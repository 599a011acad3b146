package dev.keep.loader.run;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The host streams that an app's stdin/stdout/stderr entries are bound to.
 *
 * @param terminal whether the streams are an interactive terminal (reported to the app by fdstat)
 */
public record HostStreams(InputStream in, OutputStream out, OutputStream err, boolean terminal) {

    /**
     * The process's own descriptors 0, 1 and 2, unbuffered: each write of the app becomes one write
     * here, as for a native program, so prompts appear before reads and stdout/stderr stay in order.
     */
    public static HostStreams processStreams() {
        return new HostStreams(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err), System.console() != null);
    }

    /** Flushes stdout and stderr; a stream that went away (a closed pipe) has nothing left to hear. */
    public void flushOutput() {
        try {
            out.flush();
            err.flush();
        } catch (java.io.IOException ignored) {
            // Nothing left to tell a closed pipe.
        }
    }
}
