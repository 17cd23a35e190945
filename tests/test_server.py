"""The server `facilitator serve` runs turns Nagle's algorithm off on every connection, so an
acknowledgement never waits for the client's delayed ACK."""

from __future__ import annotations

import socket
from typing import Any

import gevent
from gevent import pywsgi
from gevent import socket as green
from geventwebsocket.handler import WebSocketHandler

from facilitator.server import Server

UPGRADE = (
    "GET /socket.io/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


def nodelay_seen(server_class: type[pywsgi.WSGIServer]) -> int:
    """TCP_NODELAY on the socket a server accepted for one WebSocket connection."""
    seen: list[int] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        # The WebSocket handler keeps the accepted socket: ask it what the server set.
        websocket = environ["wsgi.websocket"]
        seen.append(websocket.handler.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        websocket.close()
        return []

    server = server_class(("127.0.0.1", 0), app, handler_class=WebSocketHandler, log=None)
    server.start()
    try:
        with green.create_connection(server.address, timeout=5) as client:
            client.sendall(UPGRADE.encode())
            assert client.recv(1024).startswith(b"HTTP/1.1 101")
            with gevent.Timeout(5):
                while not seen:
                    gevent.sleep(0.01)
    finally:
        server.stop()
    return seen[0]


def test_every_connection_has_tcp_nodelay() -> None:
    assert nodelay_seen(Server) != 0
    # ... which gevent's own server leaves off.
    assert nodelay_seen(pywsgi.WSGIServer) == 0
