"""The embedded default: a real Redis in the data folder that keeps everything across restarts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from facilitator.errors import StartupError
from facilitator.store.embedded import EmbeddedRedis


def test_data_survives_stopping_and_starting_the_embedded_server(tmp_path: Path) -> None:
    first = EmbeddedRedis(tmp_path / "data")
    url = first.start()
    client = redis.Redis.from_url(url, decode_responses=True)
    client.set("fac:probe", "kept")
    client.xadd("fac:session:x:events", {"e": "{}"}, id="1-0")
    assert client.config_get("appendonly")["appendonly"] == "yes"
    assert client.config_get("appendfsync")["appendfsync"] == "always"
    client.close()
    first.stop()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()

    second = EmbeddedRedis(tmp_path / "data")
    client = redis.Redis.from_url(second.start(), decode_responses=True)
    assert client.get("fac:probe") == "kept"
    assert client.xlen("fac:session:x:events") == 1
    client.close()
    second.stop()
    assert (tmp_path / "data" / "appendonlydir").exists() or (tmp_path / "data" / "appendonly.aof").exists()


def test_unwritable_data_folder_is_explained(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StartupError, match="cannot be written"):
        EmbeddedRedis(blocker / "data").start()


def run_cli(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "facilitator", *args],
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_unreachable_redis_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = run_cli(
        "users",
        "create",
        "a@example.com",
        "--role",
        "admin",
        env={"REDIS_URL": "redis://127.0.0.1:1/0", "FACILITATOR_DATA_DIR": str(tmp_path)},
        stdin="long enough password\nlong enough password\n",
    )
    assert result.returncode == 1
    assert "Cannot reach Redis at redis://127.0.0.1:1/0" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_data_folder_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_cli(
        "users",
        "create",
        "a@example.com",
        "--role",
        "admin",
        env={"REDIS_URL": "", "FACILITATOR_DATA_DIR": str(blocker / "data")},
        stdin="long enough password\nlong enough password\n",
    )
    assert result.returncode == 1
    assert f"The data folder {blocker / 'data'} cannot be written" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_creates_users_and_tokens_on_the_embedded_server(tmp_path: Path) -> None:
    env = {"FACILITATOR_DATA_DIR": str(tmp_path / "data"), "REDIS_URL": ""}
    created = run_cli(
        "users",
        "create",
        "lead@example.com",
        "--role",
        "facilitator",
        env=env,
        stdin="a long password\na long password\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Created facilitator lead@example.com" in created.stdout
    duplicate = run_cli(
        "users",
        "create",
        "lead@example.com",
        "--role",
        "observer",
        env=env,
        stdin="a long password\na long password\n",
    )
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    token = run_cli("tokens", "create", "lead@example.com", "--name", "Nightly export", env=env)
    assert token.returncode == 0 and token.stdout.strip().startswith("fac_")
    unnamed = run_cli("tokens", "create", "lead@example.com", env=env)
    assert unnamed.returncode == 2 and "--name" in unnamed.stderr
    unknown = run_cli("tokens", "create", "nobody@example.com", "--name", "Nightly export", env=env)
    assert unknown.returncode == 1 and "no account" in unknown.stderr
    purged = run_cli("purge", env=env)
    assert purged.returncode == 0 and "0 session(s) past 180 days erased." in purged.stdout
