package dev.keep.sev;

import java.util.Map;

/** Names and texts for the errno values /dev/sev calls can produce. */
final class Errno {
    private Errno() {
    }

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EIO = 5;
    static final int ENXIO = 6;
    static final int EBADF = 9;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EFAULT = 14;
    static final int EBUSY = 16;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENOTTY = 25;
    static final int EOPNOTSUPP = 95;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(EPERM, "EPERM (Operation not permitted)"),
            Map.entry(ENOENT, "ENOENT (No such file or directory)"),
            Map.entry(EIO, "EIO (Input/output error)"),
            Map.entry(ENXIO, "ENXIO (No such device or address)"),
            Map.entry(EBADF, "EBADF (Bad file descriptor)"),
            Map.entry(ENOMEM, "ENOMEM (Cannot allocate memory)"),
            Map.entry(EACCES, "EACCES (Permission denied)"),
            Map.entry(EFAULT, "EFAULT (Bad address)"),
            Map.entry(EBUSY, "EBUSY (Device or resource busy)"),
            Map.entry(ENODEV, "ENODEV (No such device)"),
            Map.entry(EINVAL, "EINVAL (Invalid argument)"),
            Map.entry(ENOTTY, "ENOTTY (Inappropriate ioctl for device)"),
            Map.entry(EOPNOTSUPP, "EOPNOTSUPP (Operation not supported)"));

    static String describe(int errno) {
        return NAMES.getOrDefault(errno, "errno " + errno);
    }
}
