"""Keeping the privacy notice's promise: candidate data goes when the retention period ends.

A purge ends by compacting Redis's files (store/compaction.py), so the erased data is gone from
the disk too, not only from memory; each purged session is recorded in the audit log.
"""

from __future__ import annotations

import logging
import time

import redis

from ..domain.audit import AuditAction
from ..domain.models import Session
from ..domain.retention import due_for_erasure
from ..store import retention as retention_store
from ..store import sessions as session_store
from . import audit, privacy

log = logging.getLogger(__name__)
SWEEP_EVERY_S = 3600


def sweep(r: redis.Redis, retention_days: int, now: float | None = None) -> list[Session]:
    """Erase the candidate data of every session whose retention period has passed."""
    now = time.time() if now is None else now
    erased = []
    for session in session_store.list_all(r):
        if due_for_erasure(session, retention_days, now) and retention_store.erase(r, session.id, now):
            log.info("erased candidate data of session %s after %d days", session.id, retention_days)
            audit.record(
                r,
                audit.entry(
                    None, AuditAction.PURGED_SESSION, session_id=session.id, detail=f"{retention_days} days"
                ),
            )
            erased.append(session)
    if erased:
        done = privacy.compact_after_purge(r, [s.id for s in erased])
        if done.complete:
            log.info("after the purge: %s", done.describe())
        else:
            log.error("after the purge: %s", done.describe())
    return erased
