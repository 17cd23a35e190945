"""Load a session, let the domain decide, and write what changed in one transaction.

WATCH guards every key the decision may read, so two processes changing one session never
overwrite each other: the loser retries against the winner's state. A change reads the
session document and its announcements in one round trip, and the roster, questions and
group outputs only as far as the decision looks at them (store/records.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

import redis

from ..domain.errors import Conflict, DomainError, NotFound
from ..domain.events import Event
from ..domain.models import Announcement, Candidate, GroupOutput, Question, Session, SessionData
from . import keys, log
from .records import Records

T = TypeVar("T")
MAX_RETRIES = 50


@dataclass
class Outcome(Generic[T]):
    """What a change produced: the result to acknowledge and the logged events."""

    result: T
    events: list[Event] = field(default_factory=list)
    replayed: bool = False


Extra = list[Callable[[Any], Any]]


def read(r: Any, session_id: str) -> SessionData | None:
    """Everything one session's live operations need, or None if there is no such session."""
    raw = r.get(keys.session(session_id))
    if raw is None:
        return None
    return SessionData(
        session=Session.model_validate_json(raw),
        candidates={
            k: Candidate.model_validate_json(v) for k, v in r.hgetall(keys.candidates(session_id)).items()
        },
        questions={
            k: Question.model_validate_json(v) for k, v in r.hgetall(keys.questions(session_id)).items()
        },
        outputs={
            k: GroupOutput.model_validate_json(v) for k, v in r.hgetall(keys.outputs(session_id)).items()
        },
        announcements=[
            Announcement.model_validate(a) for a in json.loads(r.get(keys.announcements(session_id)) or "[]")
        ],
    )


def load(r: redis.Redis, session_id: str) -> SessionData:
    """The session's data, or NotFound."""
    data = read(r, session_id)
    if data is None:
        raise NotFound("unknown_session", "There is no such session.")
    return data


# Parsed session documents by id, with the version they were read at. Only a cache: every
# use checks the version in Redis first, so several processes never act on a stale copy.
_parsed: dict[str, tuple[str, Session]] = {}
CACHE_SIZE = 256


def _session(r: redis.Redis, session_id: str, version: str | None) -> Session:
    cached = _parsed.get(session_id)
    if cached is not None and version is not None and cached[0] == version:
        return cached[1]
    with r.pipeline(transaction=True) as pipe:
        pipe.get(keys.session(session_id))
        pipe.get(keys.session_version(session_id))
        raw, version = pipe.execute()
    if raw is None:
        raise NotFound("unknown_session", "There is no such session.")
    session = Session.model_validate_json(raw)
    if len(_parsed) >= CACHE_SIZE:
        _parsed.pop(next(iter(_parsed)))
    _parsed[session_id] = (version or "", session)
    return session


def session_document(r: redis.Redis, session_id: str) -> Session:
    """The session document alone, parsed once per version: one round trip while it stands.

    The object may be shared with other callers: read it, never change it.
    """
    return _session(r, session_id, cast(str | None, r.get(keys.session_version(session_id))))


def load_setup(r: redis.Redis, session_id: str, candidate_id: str | None = None) -> SessionData:
    """The session document and its roster (or just one candidate): what evidence checks need.

    The session object may be shared with other callers: read it, never change it.
    """
    with r.pipeline(transaction=False) as pipe:
        pipe.get(keys.session_version(session_id))
        if candidate_id is None:
            pipe.hgetall(keys.candidates(session_id))
        else:
            pipe.hget(keys.candidates(session_id), candidate_id)
        version, found = pipe.execute()
    if candidate_id is None:
        candidates = {k: Candidate.model_validate_json(v) for k, v in found.items()}
    else:
        candidates = {candidate_id: Candidate.model_validate_json(found)} if found else {}
    return SessionData(session=_session(r, session_id, version), candidates=candidates)


@dataclass
class _Read:
    """What a change read: the data handed to the decision, the JSON of the session document
    and announcements as read (both are always written as this code dumps them, so a document
    the decision left alone compares equal without a second dump), and the lazily read
    records."""

    data: SessionData
    session: str
    announcements: str
    records: tuple[Records[Any], ...]


def _lazy(r: redis.Redis, pipe: Any, session_id: str) -> _Read | None:
    """The session as a change reads it: the document and announcements at once (one MGET on
    the watching connection), the records on demand. Those are read on `r`: the decision, or a
    write it queued, may look one up after MULTI, when the pipeline no longer answers. A read on
    another connection is as safe, since every key is watched before it."""
    raw, announced = pipe.mget(keys.session(session_id), keys.announcements(session_id))
    if raw is None:
        return None
    announced = announced or "[]"
    records = (
        Records(r, keys.candidates(session_id), Candidate),
        Records(r, keys.questions(session_id), Question),
        Records(r, keys.outputs(session_id), GroupOutput),
    )
    data = SessionData.model_construct(
        session=Session.model_validate_json(raw),
        candidates=records[0],
        questions=records[1],
        outputs=records[2],
        announcements=[Announcement.model_validate(a) for a in json.loads(announced)],
    )
    return _Read(data, raw, announced, records)


def _write_changes(pipe: Any, session_id: str, found: _Read) -> None:
    session = found.data.session.model_dump_json()
    if session != found.session:
        pipe.set(keys.session(session_id), session)
        pipe.incr(keys.session_version(session_id))
    announcements = json.dumps([a.model_dump() for a in found.data.announcements])
    if announcements != found.announcements:
        pipe.set(keys.announcements(session_id), announcements)
    for records in found.records:
        changed, gone = records.changes()
        if changed:
            pipe.hset(records.key, mapping=changed)
        if gone:
            pipe.hdel(records.key, *gone)


def prior_ack(r: redis.Redis, session_id: str, request_id: str) -> Any:
    """The acknowledgement first sent for a client request id, or None if it is new."""
    prior = r.hget(keys.requests(session_id), request_id)
    return None if prior is None else json.loads(cast(str, prior))


def repeated(r: redis.Redis, session_id: str, request_id: str, ack: Any) -> Outcome[Any]:
    """A repeat of an applied request: its first acknowledgement, and the events it logged if
    its first push never went out (the answer was lost with it: `log.unsettled`)."""
    return Outcome(result=ack, events=log.logged_for(r, session_id, request_id), replayed=True)


def change(
    r: redis.Redis,
    session_id: str,
    decide: Callable[[SessionData, Extra], tuple[T, list[Event]]],
    *,
    request_id: str | None = None,
) -> Outcome[T]:
    """Run `decide` on the session's current data and persist its changes and events atomically.

    `decide` may append callables to its `extra` list; each receives the transaction
    pipeline to queue further writes (token keys, indexes). With `request_id`, a repeat of
    an already-applied request returns the first acknowledgement and changes nothing.
    """
    watched = [*keys.session_keys(session_id), keys.requests(session_id)]
    for _ in range(MAX_RETRIES):
        with r.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(*watched)
                if request_id is not None:
                    prior = pipe.hget(keys.requests(session_id), request_id)
                    if prior is not None:
                        return repeated(r, session_id, request_id, json.loads(prior))
                found = _lazy(r, pipe, session_id)
                if found is None:
                    raise NotFound("unknown_session", "There is no such session.")
                data = found.data
                extra: Extra = []
                try:
                    result, events = decide(data, extra)
                except DomainError:
                    # A copy of this request applied since the read above ("the exercise
                    # has already ended"): answer what the first copy was answered.
                    prior = prior_ack(r, session_id, request_id) if request_id is not None else None
                    if prior is None or request_id is None:
                        raise
                    return repeated(r, session_id, request_id, prior)
                now = time.time()
                pipe.multi()
                _write_changes(pipe, session_id, found)
                for write in extra:
                    write(pipe)
                if request_id is not None:
                    pipe.hset(keys.requests(session_id), request_id, json.dumps(result))
                if events:
                    log.append(pipe, r, session_id, events, now, request_id)
                replies = pipe.execute()
            except redis.WatchError as exc:
                broke = exc.__context__
                if isinstance(broke, (redis.ConnectionError, redis.TimeoutError)):
                    # Not a conflict: the connection broke, perhaps after EXEC went out. Without
                    # a request id a retry could apply the change twice, so report it instead;
                    # with one, the retry settles it (and pushes its events if it was applied).
                    if request_id is None:
                        raise broke from None
                    log.unsettled(session_id, request_id)
                continue
        first_seq = int(replies[-1]) if events else 0
        return Outcome(result=result, events=log.numbered(events, first_seq, now))
    raise Conflict("busy", "The session is changing very fast right now; try again in a moment.")
