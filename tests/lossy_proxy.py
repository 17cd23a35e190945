"""A TCP proxy in front of Redis that can lose a reply: the command reaches Redis and is
applied, but the connection breaks before its answer comes back, the one case in which
the app cannot know whether a write was stored."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from .redis_server import free_port


class LossyProxy:
    """Forwards 127.0.0.1:<port> to Redis; `lose_reply_to(b"EVALSHA")` arms one loss."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.armed: bytes | None = None
        self.lost = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def lose_reply_to(self, command: bytes) -> None:
        """The next time a client sends `command`, let Redis apply it and drop the line."""
        with self.lock:
            self.armed = command

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            muted = threading.Event()
            threading.Thread(target=self._upstream, args=(client, server, muted), daemon=True).start()
            threading.Thread(target=self._downstream, args=(server, client, muted), daemon=True).start()

    def _upstream(self, client: socket.socket, server: socket.socket, muted: threading.Event) -> None:
        while chunk := self._recv(client):
            with self.lock:
                doomed = self.armed is not None and self.armed in chunk.upper()
                if doomed:
                    self.armed = None
                    self.lost += 1
            if doomed:
                muted.set()  # its reply must not get through
            try:
                server.sendall(chunk)
            except OSError:
                break
            if doomed:
                time.sleep(0.2)  # Redis applies it and answers; the answer is dropped
                break
        self._close(client, server)

    def _downstream(self, server: socket.socket, client: socket.socket, muted: threading.Event) -> None:
        while (chunk := self._recv(server)) and not muted.is_set():
            try:
                client.sendall(chunk)
            except OSError:
                break
        self._close(client, server)

    @staticmethod
    def _recv(sock: socket.socket) -> bytes:
        try:
            return sock.recv(65536)
        except OSError:
            return b""

    @staticmethod
    def _close(*socks: socket.socket) -> None:
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        """Stop accepting connections."""
        self.listener.close()
