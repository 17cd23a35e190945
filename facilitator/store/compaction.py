"""Compacting Redis's files after an erasure, so no byte of erased data stays on disk.

Deleting a key removes it from memory, but the append-only file still holds every command
that wrote it, and the last snapshot (dump.rdb) every value it had. A rewrite of the
append-only file (BGREWRITEAOF) replaces it with the commands that rebuild today's data
only; a new snapshot (BGSAVE) replaces the old one. Both run in a forked child: this waits
for each to finish and reports how it went, since an erasure is only done once both are.

A rewrite or snapshot already running when the erasure happened may have started before it,
so this waits for it to end and then starts its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import redis

WAIT_LIMIT_S = 120.0
POLL_S = 0.05

REWRITTEN = "rewritten"
SAVED = "saved"
AOF_OFF = "off"


@dataclass(frozen=True)
class Compaction:
    """How each of Redis's files was compacted: `aof` is "rewritten" or "off" (the server
    keeps no append-only file), `rdb` is "saved"; anything else says why not."""

    aof: str
    rdb: str

    @property
    def complete(self) -> bool:
        """True when neither file can still hold what was deleted before."""
        return self.aof in (REWRITTEN, AOF_OFF) and self.rdb == SAVED

    def describe(self) -> str:
        """One sentence for a log line or a page."""
        if self.complete:
            return "Redis's files were rewritten, so the erased data is gone from the disk too."
        return (
            f"Redis's files could not all be rewritten (append-only file: {self.aof}; snapshot: "
            f"{self.rdb}): the erased data may remain on the server's disk until they are."
        )


def _persistence(r: redis.Redis) -> dict[str, Any]:
    return dict(r.info("persistence"))


def _wait(r: redis.Redis, busy: tuple[str, ...], deadline: float) -> bool:
    """Wait until none of the `busy` flags of INFO persistence is set; False on timeout."""
    while True:
        info = _persistence(r)
        if not any(int(info.get(flag, 0)) for flag in busy):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_S)


def _start(r: redis.Redis, command: str, busy: tuple[str, ...], deadline: float) -> str:
    """Start a background rewrite or save once no other one runs; "" when started, else why not."""
    while True:
        if not _wait(r, busy, deadline):
            return f"another one was still running after {WAIT_LIMIT_S:.0f} s"
        try:
            r.execute_command(command)
            return ""
        except redis.ResponseError as exc:
            # One began between the check and the command (Redis's own schedule): wait for it.
            if "in progress" not in str(exc) or time.monotonic() > deadline:
                return f"refused ({exc})"
            time.sleep(POLL_S)


def rewrite_aof(r: redis.Redis, deadline: float) -> str:
    """Rewrite the append-only file and wait until the new one is in place."""
    if not int(_persistence(r).get("aof_enabled", 0)):
        return AOF_OFF
    busy = ("aof_rewrite_in_progress", "aof_rewrite_scheduled", "rdb_bgsave_in_progress")
    problem = _start(r, "BGREWRITEAOF", busy, deadline)
    if problem:
        return problem
    if not _wait(r, ("aof_rewrite_in_progress", "aof_rewrite_scheduled"), deadline):
        return f"still running after {WAIT_LIMIT_S:.0f} s"
    status = _persistence(r).get("aof_last_bgrewrite_status", "ok")
    return REWRITTEN if status == "ok" else f"failed ({status}; see the Redis log)"


def save_snapshot(r: redis.Redis, deadline: float) -> str:
    """Write a new snapshot over the old one and wait until it is in place."""
    busy = ("rdb_bgsave_in_progress", "aof_rewrite_in_progress", "aof_rewrite_scheduled")
    problem = _start(r, "BGSAVE", busy, deadline)
    if problem:
        return problem
    if not _wait(r, ("rdb_bgsave_in_progress",), deadline):
        return f"still running after {WAIT_LIMIT_S:.0f} s"
    status = _persistence(r).get("rdb_last_bgsave_status", "ok")
    return SAVED if status == "ok" else f"failed ({status}; see the Redis log)"


def compact(r: redis.Redis, wait_limit_s: float = WAIT_LIMIT_S) -> Compaction:
    """Rewrite the append-only file, then the snapshot, waiting for each; never raises for a
    server that refuses (a managed Redis may forbid both): the result says so instead."""
    deadline = time.monotonic() + wait_limit_s
    try:
        aof = rewrite_aof(r, deadline)
    except redis.ResponseError as exc:
        aof = f"refused ({exc})"
    try:
        rdb = save_snapshot(r, deadline)
    except redis.ResponseError as exc:
        rdb = f"refused ({exc})"
    return Compaction(aof=aof, rdb=rdb)
