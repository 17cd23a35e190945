"""Privacy in Redis: the admin-edited privacy notice, and the reads a candidate's export needs
beyond the review's own (earlier versions of observations)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import redis

from ..domain.evidence import Observation
from . import keys


@dataclass(frozen=True)
class StoredNotice:
    """The notice an admin wrote, when and by whom (None: the standard text is shown)."""

    text: str
    updated_at: float
    updated_by: str


def notice(r: redis.Redis) -> StoredNotice | None:
    """The admin's notice, if one was saved."""
    found = cast(dict[str, str], r.hgetall(keys.privacy_notice()))
    if not found.get("text"):
        return None
    return StoredNotice(found["text"], float(found.get("updated_at") or 0), found.get("updated_by", ""))


def save_notice(r: redis.Redis, text: str, by: str, at: float, also: Callable[[Any], None]) -> None:
    """Replace the notice; `also` queues more writes (the audit entry) in the same transaction."""
    with r.pipeline(transaction=True) as pipe:
        pipe.delete(keys.privacy_notice())
        pipe.hset(keys.privacy_notice(), mapping={"text": text, "updated_at": repr(at), "updated_by": by})
        also(pipe)
        pipe.execute()


def reset_notice(r: redis.Redis, also: Callable[[Any], None]) -> None:
    """Go back to the standard notice."""
    with r.pipeline(transaction=True) as pipe:
        pipe.delete(keys.privacy_notice())
        also(pipe)
        pipe.execute()


def observation_versions(
    r: redis.Redis, session_id: str, observation_ids: set[str]
) -> dict[str, list[Observation]]:
    """Earlier versions of these observations, oldest first, by observation id."""
    found: dict[str, list[Observation]] = {}
    for field, raw in r.hscan_iter(keys.observation_versions(session_id), count=500):
        observation_id, _, _ = str(field).rpartition(":")
        if observation_id in observation_ids:
            found.setdefault(observation_id, []).append(Observation.model_validate_json(raw))
    for versions in found.values():
        versions.sort(key=lambda o: o.version)
    return found
