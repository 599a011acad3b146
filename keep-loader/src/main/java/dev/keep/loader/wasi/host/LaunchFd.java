package dev.keep.loader.wasi.host;

/**
 * What a keep holds from its start at fd 3, 4, ... in Keep.toml order: a preopened directory
 * (opened by the {@link WasiCallHandler}) or a socket the host opened before the app starts.
 * Apps built with wasi-libc scan preopens from fd 3 and stop at the first fd whose
 * fd_prestat_get answers badf, so directories should come before sockets.
 */
public sealed interface LaunchFd permits Preopen, LaunchSocket {
}
