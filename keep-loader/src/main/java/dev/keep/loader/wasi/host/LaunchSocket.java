package dev.keep.loader.wasi.host;

import dev.keep.loader.wasi.net.HostSocket;

/**
 * A socket handed to the keep already open: a listener from a Keep.toml {@code listen} entry or
 * a connection from a {@code connect} entry. The {@link WasiCallHandler} it is given to owns it
 * from then on (and closes it, even when the handler cannot be built).
 *
 * @param socket the open host socket
 * @param description what it is, for messages (for example "listen 127.0.0.1:8080")
 */
public record LaunchSocket(HostSocket socket, String description) implements LaunchFd {
    public LaunchSocket {
        if (socket == null || description == null) {
            throw new IllegalArgumentException("launch socket: socket and description are required");
        }
    }
}
