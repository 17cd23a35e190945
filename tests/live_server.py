"""The app as a separate server process, the way it runs for real (gevent, message queue)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from .redis_server import free_port


class LiveServer:
    """`python -m facilitator serve` on a free port against the test Redis."""

    def __init__(self, redis_url: str, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.redis_url = redis_url
        self.data_dir = data_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"
        # Personal invite links are derived from it (store/invites.py), so tests need it too.
        self.secret_key = "live-test-secret"

    def start(self) -> None:
        """Start the server and wait until it answers."""
        env = {
            **os.environ,
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": self.secret_key,
            "FACILITATOR_DATA_DIR": str(self.data_dir),
            "PORT": str(self.port),
        }
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "facilitator", "serve", "--port", str(self.port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(self.url + "/api/v1/openapi.json", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + self.log.read_text())
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
