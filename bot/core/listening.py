"""A listening TCP socket bound before a server starts on it (the webhook's, the health
server's): a busy port is then found at start-up, and the caller says in one line which
setting to change."""

from __future__ import annotations

import socket


def listening_socket(host: str, port: int, *, backlog: int) -> socket.socket:
    """Bound, listening and non-blocking. Raises `socket.gaierror` for a host that does
    not resolve and `OSError` (the socket closed) for a port that cannot be taken."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        # As aiohttp itself does: a restarted bot may take the port over at once.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock
