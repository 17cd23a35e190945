"""Build the snapshot a (re)connecting client gets, for its role."""

from __future__ import annotations

from typing import Any

import redis

from ..domain.events import Viewer
from ..domain.models import SessionData
from ..domain.views import candidate_view, manager_view, observer_view
from ..store import evidence as evidence_store
from ..store import sessions as session_store
from . import panel


def for_viewer(r: redis.Redis, data: SessionData, viewer: Viewer) -> dict[str, Any]:
    """The whole current state as this viewer may see it."""
    session_id = data.session.id
    if viewer.kind == "candidate":
        return candidate_view(data, viewer.id)
    if viewer.kind == "observer":
        own = [o.model_dump() for o in evidence_store.observations_of(r, session_id, viewer.id)]
        ratings = [
            x.model_dump(mode="json")
            for x in evidence_store.ratings(r, session_id).values()
            if x.observer_id == viewer.id
        ]
        return observer_view(data, viewer.id, own, ratings)
    return manager_view(
        data,
        session_store.online(r, session_id),
        panel=panel.members(r, data),
        completion=panel.completion(r, data),
        observer_names=panel.observer_names(r, data),
        observation_counts=evidence_store.counts(r, session_id),
    )
