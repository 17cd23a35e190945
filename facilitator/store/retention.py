"""Erasing a session's candidate data when its retention period is over."""

from __future__ import annotations

from typing import Any, cast

import redis

from ..domain import retention
from ..domain.events import Event
from ..domain.models import SessionData
from . import invites, keys, people, unit


def erase(r: redis.Redis, session_id: str, now: float) -> bool:
    """Erase one session's candidate data in one transaction; False when there was none due."""
    per_person: list[str] = []
    for pattern in keys.candidate_data_patterns(session_id):
        per_person += [cast(str, k) for k in r.scan_iter(match=pattern, count=500)]
    doomed = [
        *keys.candidate_data(session_id),
        *per_person,
        *(keys.invite(h) for h in invites.lookup_hashes(r, session_id)),
    ]

    def decide(data: SessionData, extra: unit.Extra) -> tuple[dict[str, Any], list[Event]]:
        if data.session.purged_at is not None:
            return {"erased": False}, []
        retention.erase_candidates(data.session, now)
        # A returning candidate's earlier stages must not point at what is being erased.
        leaving = list(data.candidates.values())
        extra.append(lambda pipe: people.forget(pipe, session_id, leaving))
        data.candidates.clear()
        data.questions.clear()
        data.outputs.clear()
        data.announcements.clear()
        extra.append(lambda pipe: pipe.delete(*doomed))
        return {"erased": True}, []

    return bool(unit.change(r, session_id, decide).result["erased"])
