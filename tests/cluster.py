"""The production topology for tests: Redis (AOF always, a password), three app processes
under gunicorn, and nginx, all on free loopback ports, started from local processes.

It is the `Cluster` that `make cluster` runs (deploy/cluster.py), with a test Redis that
can be stopped and started again. Started once per run, and only by tests that use it.
"""

from __future__ import annotations

import importlib.util
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from facilitator.store import keys

from .redis_server import RedisProcess

ROOT = Path(__file__).resolve().parent.parent
# A short heartbeat, so a killed process's phones show offline within seconds in tests.
PRESENCE_TTL_S = 3.0
OFFLINE_WITHIN_S = PRESENCE_TTL_S * 4 / 3


def _deploy_module() -> Any:
    path = ROOT / "deploy" / "cluster.py"
    spec = importlib.util.spec_from_file_location("facilitator_deploy_cluster", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


deploy = _deploy_module()


class LocalCluster:
    """Handles on the running cluster: its Redis, its app processes and nginx."""

    def __init__(self, workdir: Path) -> None:
        self.redis = RedisProcess(workdir / "redis", appendfsync="always", password="cluster pass:word")
        self.cluster = deploy.Cluster(
            self.redis.url,
            workdir / "run",
            apps=3,
            env={"FACILITATOR_PRESENCE_TTL_S": str(PRESENCE_TTL_S)},
        )

    @property
    def url(self) -> str:
        """nginx's address, as clients see the service."""
        return str(self.cluster.url)

    def app_url(self, n: int) -> str:
        """App process `n`'s own address, bypassing nginx."""
        return str(self.cluster.nodes[n].url)

    def start(self) -> None:
        """Redis first, then the apps and nginx."""
        self.redis.start()
        self.cluster.start()

    def stop(self) -> None:
        """Everything, apps first."""
        self.cluster.stop()
        self.redis.stop()

    def heal(self) -> None:
        """Bring back whatever a test took away, so the next test finds three processes."""
        if self.redis.process is None:
            self.redis.start()
        for n, node in enumerate(self.cluster.nodes):
            if node.process is None or node.process.poll() is not None:
                self.cluster.start_app(n)

    def kill_app(self, n: int) -> None:
        """kill -9 app process `n` (its master and its worker)."""
        self.cluster.kill_app(n, signal.SIGKILL)

    def client(self) -> redis.Redis:
        """A Redis client of the test's own."""
        return self.redis.client()

    def app_holding(self, socket_id: str) -> int:
        """Which app process holds a Socket.IO connection, from what the processes record."""
        r = self.client()
        try:
            for process_id in r.smembers(keys.processes()):
                if r.hexists(keys.process_sockets(process_id), socket_id):
                    found = self.cluster.app_holding(int(process_id.split("-", 1)[0]))
                    if found is not None:
                        return int(found)
        finally:
            r.close()
        raise AssertionError(f"no app process records socket {socket_id}")

    def reader_of(self, n: int) -> dict[str, str] | None:
        """The CLIENT LIST entry of app process `n`'s push-stream reader, if connected."""
        pids = self.cluster.nodes[n].pids()
        r = self.client()
        try:
            for entry in r.client_list():
                name = entry.get("name", "")
                if name.startswith("facilitator-push-") and int(name.rsplit("-", 1)[1]) in pids:
                    return dict(entry)
        finally:
            r.close()
        return None

    def kill_reader(self, n: int) -> None:
        """Cut app process `n`'s push-stream connection (CLIENT KILL of the named client)."""
        entry = self.reader_of(n)
        assert entry is not None, "the push reader is not connected"
        r = self.client()
        try:
            r.client_kill_filter(_id=entry["id"])
        finally:
            r.close()

    def wait_for_reader(self, n: int, timeout: float = 10.0) -> None:
        """Wait until app process `n`'s push reader is connected (again)."""
        deadline = time.monotonic() + timeout
        while self.reader_of(n) is None:
            assert time.monotonic() < deadline, f"app {n} did not reconnect its push reader"
            time.sleep(0.05)

    def log_of(self, n: int) -> str:
        """What app process `n` has logged so far."""
        return Path(self.cluster.nodes[n].log).read_text(errors="replace")

    def facilitator_token(self) -> str:
        """A new facilitator account's API token (through the test's own Redis client)."""
        from facilitator.store import users as user_store

        from .conftest import make_user

        r = self.client()
        try:
            account = make_user(r, f"lead-{time.monotonic_ns()}@example.com", "facilitator")
            return user_store.issue_api_token(r, account.id)
        finally:
            r.close()


@pytest.fixture(scope="session")
def cluster_topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """Redis + three app processes + nginx for the whole run (only if a test asks for it)."""
    topology = LocalCluster(tmp_path_factory.mktemp("cluster"))
    try:
        topology.start()
        yield topology
    finally:
        topology.stop()


@pytest.fixture
def cluster(cluster_topology: LocalCluster) -> Iterator[LocalCluster]:
    """The cluster, whole again before and after the test (Redis up, three app processes)."""
    cluster_topology.heal()
    yield cluster_topology
    cluster_topology.heal()
