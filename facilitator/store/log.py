"""The session event log: an append-only Redis Stream whose entry ids are sequence ids."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import redis

from ..domain.events import Audience, Event
from . import keys
from .client import StorageUnreachable
from .scripts import APPEND_EVENTS

# About this many events stay in a session's log; a client further behind gets a snapshot.
MAX_LOG_LENGTH = 20_000


def encode(event: Event, at: float) -> str:
    """The log entry of one event."""
    return json.dumps(
        {"type": event.type, "data": event.data, "audience": event.audience.as_dict(), "at": at},
        separators=(",", ":"),
    )


def decode(entry_id: str, raw: str) -> Event:
    """An event read back from the log, with its sequence id."""
    body = json.loads(raw)
    return Event(
        type=body["type"],
        data=body["data"],
        audience=Audience.from_dict(body["audience"]),
        seq=int(entry_id.split("-", 1)[0]),
        at=body["at"],
    )


def append(
    pipe: Any,
    r: redis.Redis,
    session_id: str,
    events: Sequence[Event],
    at: float,
    request_id: str | None = None,
) -> None:
    """Queue the events on a (transaction) pipeline; the reply is the first sequence id.

    With `request_id`, their sequence ids are kept against it (`logged_for`)."""
    script = r.register_script(APPEND_EVENTS)
    script(
        keys=[keys.seq(session_id), keys.events(session_id), keys.request_events(session_id)],
        args=[MAX_LOG_LENGTH, request_id or "", *(encode(e, at) for e in events)],
        client=pipe,
    )


def between(r: redis.Redis, session_id: str, span: str | None) -> list[Event]:
    """The logged events of a "<first seq> <count>" span, as they were logged ([] for none,
    or once the log has been trimmed past them)."""
    if not span:
        return []
    first, count = (int(part) for part in span.split(" "))
    entries = cast(
        list[tuple[str, dict[str, str]]],
        r.xrange(keys.events(session_id), min=f"{first}-0", max=f"{first + count - 1}-0"),
    )
    return [decode(entry_id, fields["e"]) for entry_id, fields in entries]


# Requests whose write went out from this process and whose answer did not come back (the
# connection broke): applied or not, nothing was pushed for them. A repeat of one of these
# that finds it applied pushes the events it logged again, with their sequence ids (clients
# drop one they have applied). Any other repeat pushes nothing: its first copy was answered
# and pushed. Process-local: a repeat that reaches another process (this one died) is not
# pushed again, but the phones of this process reconnect and resume from the log.
_unsettled: dict[tuple[str, str], None] = {}
UNSETTLED_KEPT = 10_000


def unsettled(session_id: str, request_id: str) -> None:
    """Note that a write of this request may have been applied without its push."""
    if len(_unsettled) >= UNSETTLED_KEPT:
        _unsettled.pop(next(iter(_unsettled)))
    _unsettled[(session_id, request_id)] = None


def settled(session_id: str, request_id: str) -> bool:
    """True (once) if this request had been left unsettled: its events are to be pushed again."""
    try:
        del _unsettled[(session_id, request_id)]
    except KeyError:
        return False
    return True


@contextmanager
def answer_may_be_lost(session_id: str, request_id: str) -> Iterator[None]:
    """Around a write of this request: if the connection breaks once it went out, note it
    `unsettled` (it may be applied, and nothing was pushed)."""
    try:
        yield
    except StorageUnreachable:
        raise  # nothing was sent
    except (redis.ConnectionError, redis.TimeoutError):
        if request_id:
            unsettled(session_id, request_id)
        raise


def to_push_again(r: redis.Redis, session_id: str, request_id: str, span: str | None) -> list[Event]:
    """For a repeat of an applied request: the events of its span, if its first push may never
    have gone out (`unsettled`); otherwise none."""
    return between(r, session_id, span) if settled(session_id, request_id) else []


def logged_for(r: redis.Redis, session_id: str, request_id: str) -> list[Event]:
    """`to_push_again`, reading the request's span from the request-events hash (only then)."""
    if not settled(session_id, request_id):
        return []
    return between(r, session_id, cast(str | None, r.hget(keys.request_events(session_id), request_id)))


def numbered(events: Sequence[Event], first_seq: int, at: float) -> list[Event]:
    """The events with the sequence ids and time the log gave them."""
    return [Event(e.type, e.data, e.audience, seq=first_seq + i, at=at) for i, e in enumerate(events)]


def last_seq(r: redis.Redis, session_id: str) -> int:
    """The newest sequence id in the session's log (0 when empty)."""
    return int(r.get(keys.seq(session_id)) or 0)


def since(r: redis.Redis, session_id: str, after: int, limit: int) -> list[Event] | None:
    """Events after sequence id `after`, oldest first; None when some were trimmed away
    or more than `limit` are missing (the caller then sends a snapshot instead)."""
    entries = cast(
        list[tuple[str, dict[str, str]]],
        r.xrange(keys.events(session_id), min=f"({after}-0", max="+", count=limit + 1),
    )
    if len(entries) > limit:
        return None
    events = [decode(entry_id, fields["e"]) for entry_id, fields in entries]
    expected_first = after + 1
    if events and events[0].seq != expected_first:
        return None
    if not events and last_seq(r, session_id) != after:
        return None  # trimmed away, or a client from before a reset: start afresh
    return events


def append_now(r: redis.Redis, session_id: str, events: Sequence[Event]) -> list[Event]:
    """Log events that change no other state (presence, for one) and number them."""
    import time

    at = time.time()
    with r.pipeline(transaction=True) as pipe:
        append(pipe, r, session_id, events, at)
        first = int(pipe.execute()[-1])
    return numbered(events, first, at)
