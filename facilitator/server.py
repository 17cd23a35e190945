"""The web server `facilitator serve` runs: gevent's WSGI server with WebSocket upgrade
(gevent-websocket), as Flask-SocketIO's `socketio.run` builds it, plus TCP_NODELAY.

An acknowledgement or a push is a small write; with Nagle's algorithm on, a small write that
follows another one still unacknowledged waits for the client's ACK, which a client may delay
by up to 40 ms (Linux) or 200 ms. Every accepted connection turns Nagle off. Under gunicorn
(the production topology) the same holds: gunicorn sets TCP_NODELAY on its listening socket
and Linux copies it to every accepted socket.
"""

from __future__ import annotations

import socket
from typing import Any

from flask import Flask
from gevent import pywsgi
from geventwebsocket.handler import WebSocketHandler


class Server(pywsgi.WSGIServer):
    """gevent's WSGI server, Nagle's algorithm off on every connection."""

    def handle(self, sock: Any, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().handle(sock, address)


def serve_forever(app: Flask, host: str, port: int, access_log: bool) -> None:
    """Serve `app` (its Socket.IO middleware included) until the process is stopped."""
    Server(
        (host, port), app, handler_class=WebSocketHandler, log="default" if access_log else None
    ).serve_forever()
