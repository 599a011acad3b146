package dev.keep.loader.wasi.host;

import java.nio.file.Path;

/**
 * A host directory handed to the keep as a preopened fd (3, 4, ... in order, among the other
 * {@link LaunchFd}s).
 *
 * @param guestName the name fd_prestat_dir_name reports (for example "/data")
 * @param hostPath the directory on the host; everything the keep opens stays beneath it
 * @param readOnly whether every write through it is refused with {@code rofs}
 */
public record Preopen(String guestName, Path hostPath, boolean readOnly) implements LaunchFd {
    public Preopen {
        if (guestName == null || guestName.isEmpty() || hostPath == null) {
            throw new IllegalArgumentException("preopen: guest name and host path are required");
        }
    }
}
