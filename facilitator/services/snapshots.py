"""Build the snapshot a (re)connecting client gets, for its role."""

from __future__ import annotations

from typing import Any

import redis

from ..domain import review as review_rules
from ..domain.events import Viewer
from ..domain.evidence import Rating
from ..domain.models import SessionData
from ..domain.review import WashUp
from ..domain.views import candidate_view, manager_view, observer_view
from ..store import evidence as evidence_store
from ..store import review as review_store
from ..store import sessions as session_store
from . import joining, panel


def for_viewer(r: redis.Redis, data: SessionData, viewer: Viewer) -> dict[str, Any]:
    """The whole current state as this viewer may see it."""
    session_id = data.session.id
    if viewer.kind == "candidate":
        return candidate_view(data, viewer.id)
    if viewer.kind == "observer":
        own = [o.model_dump() for o in evidence_store.observations_of(r, session_id, viewer.id)]
        every = evidence_store.ratings(r, session_id)
        ratings = [x.model_dump(mode="json") for x in every.values() if x.observer_id == viewer.id]
        view = observer_view(data, viewer.id, own, ratings, follow_ups(r, session_id))
        return {**view, **washup_state(r, data, viewer, every)}
    return {
        **manager_view(
            data,
            session_store.online(r, session_id),
            panel=panel.members(r, data),
            completion=panel.completion(r, data),
            observer_names=panel.observer_names(r, data),
            observation_counts=evidence_store.counts(r, session_id),
        ),
        **washup_state(r, data, viewer),
        # Phones waiting for the facilitator to let them in (the control room's queue).
        "admissions": joining.waiting_views(r, data),
    }


def washup_state(
    r: redis.Redis, data: SessionData, viewer: Viewer, ratings: dict[str, Rating] | None = None
) -> dict[str, Any]:
    """`{"washup": ...}` for whoever follows the wash-up (so a reconnecting tablet lands on the
    candidate being discussed); nothing for anyone else, nor before the review starts."""
    if data.session.state not in review_rules.REVIEWING:
        return {}
    if viewer.kind != "manager":
        owed = review_rules.owed_ratings(data, ratings or evidence_store.ratings(r, data.session.id))
        if not review_rules.may_review(data.session, viewer.kind, viewer.id, owed):
            return {}
    raw = review_store.washup_raw(r, data.session.id)
    return {"washup": (WashUp.model_validate_json(raw) if raw else WashUp()).model_dump()}


def follow_ups(r: redis.Redis, session_id: str) -> dict[str, str]:
    """Candidate id -> the points the facilitator asked the panel to follow up (staff only)."""
    return {cid: record.follow_up for cid, record in review_store.reviews(r, session_id).items()}
