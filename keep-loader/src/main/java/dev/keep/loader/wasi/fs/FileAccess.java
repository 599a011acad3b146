package dev.keep.loader.wasi.fs;

/** The access mode of an opened file: O_RDONLY, O_WRONLY or O_RDWR. */
public enum FileAccess {
    READ(FsConstants.O_RDONLY), WRITE(FsConstants.O_WRONLY), READ_WRITE(FsConstants.O_RDWR);

    final int linuxFlag;

    FileAccess(int linuxFlag) {
        this.linuxFlag = linuxFlag;
    }
}
