"""What reaches the disk: the data folder is its owner's alone, and after an erasure (or the
retention purge) and the compaction that follows, no file, key or stream entry holds a byte of
the erased candidate's name, email or notes.

These tests run the embedded server (store/embedded.py) in a temporary data folder, so every
file Redis writes is known and can be read back as bytes.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from facilitator.store import compaction
from facilitator.store.embedded import EmbeddedRedis


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[EmbeddedRedis, redis.Redis]]:
    """The embedded server on a fresh data folder, and a client of it."""
    server = EmbeddedRedis(tmp_path / "data")
    client = redis.Redis.from_url(server.start(), decode_responses=True)
    yield server, client
    client.close()
    server.stop()


def modes(folder: Path) -> dict[str, int]:
    """Every entry under `folder` (itself included) and its permission bits, sockets aside."""
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for root, folders, files in os.walk(folder):
        for name in [*folders, *files]:
            path = Path(root) / name
            info = path.lstat()
            if not stat.S_ISSOCK(info.st_mode):
                found[str(path.relative_to(folder))] = stat.S_IMODE(info.st_mode)
    return found


def test_the_data_folder_and_every_redis_file_are_the_owners_alone(
    embedded: tuple[EmbeddedRedis, redis.Redis],
) -> None:
    server, client = embedded
    for n in range(200):
        client.hset("fac:session:s1:candidates", f"c{n}", json.dumps({"name": f"Person {n}"}))
    done = compaction.compact(client)
    assert done.complete, done
    found = modes(server.data_dir)
    # The files Redis wrote after start-up (the rewritten AOF, the new snapshot) are there too.
    assert {"appendonly.aof", "dump.rdb", "redis.conf", "redis.log", "redis.url"} <= set(found)
    assert found.pop(".") == 0o700
    assert found == dict.fromkeys(found, 0o600)


def test_a_data_folder_left_readable_by_an_earlier_version_is_closed_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "appendonly.aof").write_bytes(b"")
    (data / "appendonly.aof").chmod(0o644)
    (data / "secret_key").write_text("k")
    (data / "secret_key").chmod(0o644)
    server = EmbeddedRedis(data)
    server.start()
    try:
        found = modes(data)
        assert found.pop(".") == 0o700
        assert found == dict.fromkeys(found, 0o600)
    finally:
        server.stop()


def test_the_generated_secret_key_is_created_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from facilitator import config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    key = config._secret_key(tmp_path / "fresh")
    assert len(key) == 64
    assert stat.S_IMODE((tmp_path / "fresh" / "secret_key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "fresh").stat().st_mode) == 0o700
