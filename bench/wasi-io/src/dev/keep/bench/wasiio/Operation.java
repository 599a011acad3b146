package dev.keep.bench.wasiio;

/** The loops the app times, by the name it prints for each (see c/io_bench.c). */
enum Operation {
    STDOUT_1B("stdout-1B", "fd_write of 1 byte to stdout (redirected to /dev/null)", 1),
    FILE_1B("file-1B", "fd_write of 1 byte to a file in the preopened directory", 1),
    STDOUT_64KIB("stdout-64KiB", "fd_write of 64 KiB to stdout (redirected to /dev/null)", 64 << 10),
    FILE_64KIB("file-64KiB", "fd_write of 64 KiB to a file in the preopened directory", 64 << 10),
    READ_1MIB("read-1MiB", "reading a 1 MiB file: path_open, fd_read of 64 KiB until end of file, fd_close", 0);

    /** The name in the app's report line. */
    final String reportName;
    final String description;
    /** Bytes of one write the app asks for; 0 for the read, which is reported as throughput. */
    final int writeSize;

    Operation(String reportName, String description, int writeSize) {
        this.reportName = reportName;
        this.description = description;
        this.writeSize = writeSize;
    }

    boolean isThroughput() {
        return writeSize == 0;
    }
}
