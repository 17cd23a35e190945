"""Operations on the panel's evidence: record, edit and delete observations, rate, read."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis

from ..domain import evidence
from ..domain.commands import (
    DeleteObservation,
    EditObservation,
    RateCandidate,
    ReadEvidence,
    RecordObservation,
)
from ..domain.errors import Conflict, DomainError, Forbidden, NotFound
from ..domain.events import Event, Viewer
from ..domain.evidence import Observation, Rating, RatingStatus, rating_key
from ..domain.models import SessionData
from ..store import evidence as store
from ..store import keys, log, unit
from ..store import users as user_store
from ..store.users import StaffUser
from . import audit
from .access import staff_viewer

MAX_RETRIES = 50


def _panel_member(data: SessionData, user: StaffUser) -> Viewer:
    viewer = staff_viewer(data.session, user)
    if user.id not in data.session.panel:
        raise Forbidden("not_on_panel", "Only members of the session's panel record evidence.")
    return viewer


def record_observation(
    r: redis.Redis, user: StaffUser, session_id: str, command: RecordObservation
) -> store.Written:
    """Store an observation exactly once, stamped with exercise time; retries change nothing."""
    data = unit.load_setup(r, session_id, command.candidate_id)
    try:
        _panel_member(data, user)
        observation = evidence.new_observation(
            data,
            user.id,
            observation_id=command.id,
            exercise_id=command.exercise_id,
            candidate_id=command.candidate_id,
            indicator_id=command.indicator_id,
            competency_id=command.competency_id,
            polarity=None,
            note=command.note,
            recorded_at=command.recorded_at,
            now=time.time(),
        )
    except DomainError:
        # A retry of something already stored is acknowledged even if it would not pass
        # today (the candidate has since been removed, say): it was accepted when sent.
        raw = store.observation_raw(r, session_id, command.id)
        if raw is not None:
            return _already(raw, user, lambda: store.recorded_events(r, session_id, command.id))
        raise
    event = evidence.observation_event("observation_recorded", observation)
    written = store.record(
        r, session_id, observation, event, audit.change_script_args(user, session_id, [event])
    )
    if not written.applied:
        return _already(written.stored.model_dump_json(), user, lambda: written.events)
    written.stored = observation
    return written


def _already(raw: str, user: StaffUser, logged: Callable[[], list[Event]]) -> store.Written:
    """A repeat of an id already stored: fine for its author (with the event its recording
    logged, to push again), refused for anyone else."""
    stored = Observation.model_validate_json(raw)
    if stored.observer_id != user.id:
        raise Conflict("duplicate_id", "That observation id is already in use.")
    return store.Written(False, logged(), stored)


def _first_answer(r: redis.Redis, session_id: str, request_id: str, refusal: DomainError) -> store.Written:
    """A refused copy of a request applied meanwhile by another copy (so now "already
    deleted" or "already submitted") is answered with that first acknowledgement."""
    prior = unit.prior_ack(r, session_id, request_id)
    if prior is None:
        raise refusal
    return store.Written(False, log.logged_for(r, session_id, request_id), prior)


def change_observation(
    r: redis.Redis, user: StaffUser, session_id: str, command: EditObservation | DeleteObservation
) -> store.Written:
    """Edit or delete one's own observation; the earlier version is kept."""
    request_id = f"o:{user.id}:{command.id}"
    prior = unit.prior_ack(r, session_id, request_id)
    if prior is not None:
        return store.Written(False, log.logged_for(r, session_id, request_id), prior)
    delete = isinstance(command, DeleteObservation)
    for _ in range(MAX_RETRIES):
        raw = store.observation_raw(r, session_id, command.observation_id)
        if raw is None:
            raise NotFound("unknown_observation", "There is no such observation.")
        current = Observation.model_validate_json(raw)
        data = unit.load_setup(r, session_id)
        try:
            _panel_member(data, user)
            updated = evidence.edited(
                data,
                current,
                user.id,
                delete=delete,
                now=time.time(),
                note=None if delete else command.note,  # type: ignore[union-attr]
                indicator_id=None if delete else command.indicator_id,  # type: ignore[union-attr]
            )
        except DomainError as refusal:
            return _first_answer(r, session_id, request_id, refusal)
        kind = "observation_deleted" if delete else "observation_edited"
        written = store.replace(
            r,
            session_id,
            hash_key=keys.observations(session_id),
            field=current.id,
            expected=raw,
            new=updated.model_dump_json(),
            archive_field=f"{current.id}:{current.version}",
            request_id=request_id,
            ack=updated.model_dump(),
            count_field=f"{current.exercise_id}:{current.candidate_id}" if delete else "",
            count_delta=-1 if delete else 0,
            events=[evidence.observation_event(kind, updated)],
        )
        if written is not None:
            if written.applied:  # a copy applied first keeps its own acknowledgement
                written.stored = updated.model_dump()
                audit.changed(r, user, session_id, written.events)
            return written
    raise Conflict("busy", "That observation is being changed elsewhere; try again.")


def rate(r: redis.Redis, user: StaffUser, session_id: str, command: RateCandidate) -> store.Written:
    """Save a draft or submit a rating; a submitted rating is locked."""
    request_id = f"r:{user.id}:{command.id}"
    prior = unit.prior_ack(r, session_id, request_id)
    if prior is not None:
        return store.Written(False, log.logged_for(r, session_id, request_id), prior)
    field = rating_key(command.exercise_id, command.candidate_id, user.id)
    scores = {cid: evidence.Score(score=s.score, evidence=s.evidence) for cid, s in command.scores.items()}
    for _ in range(MAX_RETRIES):
        raw = store.rating_raw(r, session_id, field)
        data = unit.load_setup(r, session_id)
        try:
            _panel_member(data, user)
            rating = evidence.rate(
                data,
                user.id,
                exercise_id=command.exercise_id,
                candidate_id=command.candidate_id,
                scores=scores,
                submit=command.submit,
                existing=Rating.model_validate_json(raw) if raw else None,
                now=time.time(),
            )
        except DomainError as refusal:
            return _first_answer(r, session_id, request_id, refusal)
        written = store.replace(
            r,
            session_id,
            hash_key=keys.ratings(session_id),
            field=field,
            expected=raw or "",
            new=rating.model_dump_json(),
            request_id=request_id,
            ack=rating.model_dump(mode="json"),
            events=[evidence.rating_event(rating)],
        )
        if written is not None:
            if written.applied:  # a copy applied first keeps its own acknowledgement
                written.stored = rating.model_dump(mode="json")
                audit.changed(r, user, session_id, written.events)
            return written
    raise Conflict("busy", "That rating is being saved elsewhere; try again.")


def visible(
    r: redis.Redis, user: StaffUser, session_id: str, query: ReadEvidence | None = None
) -> dict[str, Any]:
    """Observations and ratings this user may read, by the blind rule."""
    data = unit.load_setup(r, session_id)
    viewer = staff_viewer(data.session, user)
    ratings = store.ratings(r, session_id)
    submitted = {
        (x.exercise_id, x.candidate_id)
        for x in ratings.values()
        if x.observer_id == user.id and x.status == RatingStatus.SUBMITTED
    }

    def allowed(exercise_id: str, candidate_id: str, author: str) -> bool:
        if query is not None and (exercise_id, candidate_id) != (query.exercise_id, query.candidate_id):
            return False
        return evidence.may_read(
            data.session, viewer.kind, user.id, author, (exercise_id, candidate_id) in submitted
        )

    if (
        query is not None
        and viewer.kind == "observer"
        and data.session.blind_ratings
        and (query.exercise_id, query.candidate_id) not in submitted
    ):
        # Refused whether or not others have written anything: even "nothing yet" is a hint.
        raise Forbidden(
            "blind",
            "Submit your own rating of this candidate in this exercise to see the other observers' evidence.",
        )
    authors = {o for o in data.session.panel} | {x.observer_id for x in ratings.values()}
    names = {uid: account.name for uid in authors if (account := user_store.get(r, uid)) is not None}
    return {
        "observers": names,
        "observations": [
            o.model_dump()
            for o in store.observations(r, session_id)
            if not o.deleted and allowed(o.exercise_id, o.candidate_id, o.observer_id)
        ],
        # A draft is private to its author: nobody else ever sees its scores.
        "ratings": [
            x.model_dump(mode="json")
            for x in ratings.values()
            if allowed(x.exercise_id, x.candidate_id, x.observer_id)
            and (x.observer_id == user.id or x.status == RatingStatus.SUBMITTED)
        ],
    }
