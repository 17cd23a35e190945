"""The audit log in Redis: one stream, `fac:audit`, newest last, ids from the server's clock.

Entry ids are Redis's own (`<milliseconds>-<n>`), so a date range is an XRANGE by time and the
log is trimmed by age (MINID) as it grows: entries older than the audit period go.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, cast

import redis

from ..domain.audit import AuditEntry, AuditQuery
from . import keys

DAY_MS = 24 * 3600 * 1000
READ_CHUNK = 500
# How far back one page of a filtered search reads before it stops (it says where it stopped).
MAX_SCANNED = 50_000

FIELDS = ("at", "actor_id", "actor", "action", "session_id", "candidate_id", "detail", "address")


def _fields(entry: AuditEntry) -> dict[str, str]:
    dumped = entry.model_dump(mode="json", exclude={"id"})
    return {name: str(dumped[name]) for name in FIELDS}


def _oldest_ms(keep_days: int) -> int:
    return max(int(time.time() * 1000) - keep_days * DAY_MS, 0)


def script_args(entry: AuditEntry, keep_days: int) -> list[str]:
    """An entry for a script to XADD: the oldest id to keep, then its field-value pairs."""
    return [str(_oldest_ms(keep_days)), *(part for pair in _fields(entry).items() for part in pair)]


def append(r: Any, entry: AuditEntry, keep_days: int) -> None:
    """Add one entry (on a client or a transaction pipeline), dropping those past `keep_days`."""
    r.xadd(keys.audit(), _fields(entry), minid=_oldest_ms(keep_days), approximate=True)


def _entry(entry_id: str, fields: dict[str, str]) -> AuditEntry:
    return AuditEntry.model_validate({**fields, "at": float(fields.get("at", "0")), "id": entry_id})


def _newest_first(r: redis.Redis, high: str, low: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Entries from `high` down to `low` (stream ids or "+"/"-"), read in chunks."""
    while True:
        chunk = cast(list[Any], r.xrevrange(keys.audit(), max=high, min=low, count=READ_CHUNK))
        yield from chunk
        if len(chunk) < READ_CHUNK:
            return
        high = "(" + chunk[-1][0]


def search(r: redis.Redis, query: AuditQuery, limit: int) -> tuple[list[AuditEntry], str | None]:
    """Up to `limit` entries passing the query, newest first, and the id to read on from (the
    `before` of the next page), or None when there are no more."""
    low_ms, high_ms = query.bounds_ms()
    high = f"({query.before}" if query.before else (f"{high_ms}-18446744073709551615" if high_ms else "+")
    low = f"{low_ms}-0" if low_ms is not None else "-"
    found: list[AuditEntry] = []
    for scanned, (entry_id, fields) in enumerate(_newest_first(r, high, low), start=1):
        entry = _entry(entry_id, fields)
        if query.matches(entry):
            found.append(entry)
            if len(found) == limit:
                return found, entry_id
        if scanned >= MAX_SCANNED:
            return found, entry_id
    return found, None


def length(r: redis.Redis) -> int:
    """How many entries the log holds."""
    return int(r.xlen(keys.audit()))
