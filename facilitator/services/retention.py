"""Keeping the privacy notice's promise: candidate data goes when the retention period ends."""

from __future__ import annotations

import logging
import time

import redis

from ..domain.models import Session
from ..domain.retention import due_for_erasure
from ..store import retention as retention_store
from ..store import sessions as session_store

log = logging.getLogger(__name__)
SWEEP_EVERY_S = 3600


def sweep(r: redis.Redis, retention_days: int, now: float | None = None) -> list[Session]:
    """Erase the candidate data of every session whose retention period has passed."""
    now = time.time() if now is None else now
    erased = []
    for session in session_store.list_all(r):
        if due_for_erasure(session, retention_days, now) and retention_store.erase(r, session.id, now):
            log.info("erased candidate data of session %s after %d days", session.id, retention_days)
            erased.append(session)
    return erased
