"""Observations and ratings in Redis: idempotent inserts and compare-and-set updates in Lua."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import redis

from ..domain.events import Event
from ..domain.evidence import Observation, Rating
from . import keys, log
from .scripts import RECORD_OBSERVATION, REPLACE_FIELD, Lua


@dataclass
class Written:
    """The result of a write: applied (with its events), or what was there already."""

    applied: bool
    events: list[Event]
    stored: Any = None


_RECORD = Lua(RECORD_OBSERVATION)
_REPLACE = Lua(REPLACE_FIELD)


def record(
    r: redis.Redis, session_id: str, observation: Observation, event: Event, audit: Sequence[str] = ()
) -> Written:
    """Store an observation once, however often its id arrives; log its event, and write its
    audit entry (`store.audit.script_args`) in the same step."""
    at = time.time()
    field = recorded_field(observation.id)
    with log.answer_may_be_lost(session_id, field):
        stored, value, *rest = _RECORD(
            r,
            keys=[
                keys.observations(session_id),
                keys.observation_counts(session_id),
                keys.seq(session_id),
                keys.events(session_id),
                keys.observations_by(session_id, observation.observer_id),
                keys.request_events(session_id),
                keys.audit(),
            ],
            args=[
                observation.id,
                observation.model_dump_json(),
                f"{observation.exercise_id}:{observation.candidate_id}",
                log.MAX_LOG_LENGTH,
                log.encode(event, at),
                field,
                *(audit or [""]),
            ],
        )
    if int(stored) == 0:
        again = log.to_push_again(r, session_id, field, str(rest[0]) if rest else None)
        return Written(False, again, Observation.model_validate_json(value))
    return Written(True, log.numbered([event], int(value), at))


def recorded_field(observation_id: str) -> str:
    """Where the request-events hash keeps the sequence id of an observation's recording."""
    return f"observation:{observation_id}"


def recorded_events(r: redis.Redis, session_id: str, observation_id: str) -> list[Event]:
    """The event logged when this observation was recorded (to push again to a repeat)."""
    return log.logged_for(r, session_id, recorded_field(observation_id))


def replace(
    r: redis.Redis,
    session_id: str,
    *,
    hash_key: str,
    field: str,
    expected: str,
    new: str,
    archive_field: str = "",
    request_id: str = "",
    ack: Any = None,
    count_field: str = "",
    count_delta: int = 0,
    events: list[Event],
) -> Written | None:
    """Compare-and-set one record; None when it changed meanwhile (the caller retries)."""
    at = time.time()
    with log.answer_may_be_lost(session_id, request_id):
        status, value, *rest = _REPLACE(
            r,
            keys=[
                hash_key,
                keys.observation_versions(session_id),
                keys.seq(session_id),
                keys.events(session_id),
                keys.requests(session_id),
                keys.observation_counts(session_id),
                keys.request_events(session_id),
            ],
            args=[
                field,
                expected,
                new,
                archive_field,
                request_id,
                json.dumps(ack),
                count_field,
                count_delta,
                log.MAX_LOG_LENGTH,
                *(log.encode(e, at) for e in events),
            ],
        )
    if int(status) == 0:
        return None
    if int(status) == 2:
        again = log.to_push_again(r, session_id, request_id, str(rest[0]) if rest else None)
        return Written(False, again, json.loads(value))
    return Written(True, log.numbered(events, int(value), at) if events else [])


def observation_raw(r: redis.Redis, session_id: str, observation_id: str) -> str | None:
    """An observation's stored JSON, exactly as stored (for compare-and-set)."""
    return cast(str | None, r.hget(keys.observations(session_id), observation_id))


def observations(r: redis.Redis, session_id: str) -> list[Observation]:
    """Every observation of the session (deleted ones included, flagged), oldest first."""
    items = [Observation.model_validate_json(v) for v in r.hvals(keys.observations(session_id))]
    return sorted(items, key=lambda o: (o.recorded_at, o.id))


def observations_of(r: redis.Redis, session_id: str, observer_id: str) -> list[Observation]:
    """One observer's own observations, oldest first (read through their index)."""
    ids = list(r.smembers(keys.observations_by(session_id, observer_id)))
    raws = r.hmget(keys.observations(session_id), ids) if ids else []
    items = [Observation.model_validate_json(v) for v in raws if v]
    return sorted(items, key=lambda o: (o.recorded_at, o.id))


def versions(r: redis.Redis, session_id: str, observation_id: str) -> list[Observation]:
    """Earlier versions of an observation, oldest first."""
    found = []
    for version in range(1, 1000):
        raw = r.hget(keys.observation_versions(session_id), f"{observation_id}:{version}")
        if raw is None:
            break
        found.append(Observation.model_validate_json(raw))
    return found


def counts(r: redis.Redis, session_id: str) -> dict[str, int]:
    """ "<exercise id>:<candidate id>" -> number of live observations."""
    return {
        k: int(v) for k, v in cast(dict[str, str], r.hgetall(keys.observation_counts(session_id))).items()
    }


def rating_raw(r: redis.Redis, session_id: str, field: str) -> str | None:
    """A rating's stored JSON."""
    return cast(str | None, r.hget(keys.ratings(session_id), field))


def ratings(r: redis.Redis, session_id: str) -> dict[str, Rating]:
    """Every rating of the session by its field."""
    raw = cast(dict[str, str], r.hgetall(keys.ratings(session_id)))
    return {k: Rating.model_validate_json(v) for k, v in raw.items()}
