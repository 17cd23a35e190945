"""The push stream: one Redis Stream carrying every process's emits to every other process.

Unlike pub/sub, an entry stays after it is read, so a process whose connection dropped reads
on from the last id it saw and misses nothing. The stream is capped at about `maxlen`
entries; a reader further behind than that is told so (`holds` is false for its last id).
"""

from __future__ import annotations

from typing import Any, cast

import redis

from . import keys

NO_ENTRY = "0-0"


def append_all(r: redis.Redis, payloads: list[str], maxlen: int) -> list[str]:
    """Add emits in this order, in one round trip; returns their entry ids."""
    with r.pipeline(transaction=False) as pipe:
        for payload in payloads:
            pipe.xadd(keys.pushes(), {"m": payload}, maxlen=maxlen, approximate=True)
        return cast(list[str], pipe.execute())


def tail(r: redis.Redis) -> str:
    """The id of the newest entry, or "0-0" when the stream is empty or absent."""
    newest = cast(list[Any], r.xrevrange(keys.pushes(), count=1))
    return str(newest[0][0]) if newest else NO_ENTRY


def holds(r: redis.Redis, entry_id: str) -> bool:
    """Whether the entry is still in the stream (it is gone once trimmed or lost)."""
    return bool(r.xrange(keys.pushes(), min=entry_id, max=entry_id, count=1))


def trimmed_past(r: redis.Redis, entry_id: str) -> bool:
    """Whether the oldest entry left is newer than `entry_id`: entries after it may be gone."""
    oldest = cast(list[Any], r.xrange(keys.pushes(), count=1))
    return bool(oldest) and entry_id != NO_ENTRY and _id(str(oldest[0][0])) > _id(entry_id)


def _id(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def read_after(r: redis.Redis, entry_id: str, count: int, block_ms: int) -> list[tuple[str, str]]:
    """Entries after `entry_id`, oldest first, waiting up to `block_ms` for the first one."""
    found = cast(list[Any], r.xread({keys.pushes(): entry_id}, count=count, block=block_ms))
    if not found:
        return []
    return [(str(entry), fields["m"]) for entry, fields in found[0][1]]
