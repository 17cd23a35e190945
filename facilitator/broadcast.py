"""The one place that turns an event's audience into Socket.IO rooms and emits it."""

from __future__ import annotations

from collections.abc import Iterable

from .domain.events import Audience, Event, Viewer
from .extensions import socketio


def room(session_id: str, kind: str, who: str | None = None) -> str:
    """A room name: everyone of a kind in a session, or one person."""
    return f"s:{session_id}:{kind}" if who is None else f"s:{session_id}:{kind}:{who}"


def rooms_for(session_id: str, audience: Audience) -> list[str]:
    """Every room an event with this audience goes to."""
    rooms = []
    if audience.managers:
        rooms.append(room(session_id, "managers"))
    if audience.observers == "all":
        rooms.append(room(session_id, "observers"))
    else:
        rooms += [room(session_id, "observer", uid) for uid in audience.observers]
    if audience.candidates == "all":
        rooms.append(room(session_id, "candidates"))
    else:
        rooms += [room(session_id, "candidate", cid) for cid in audience.candidates]
    return rooms


def rooms_of(session_id: str, viewer: Viewer) -> list[str]:
    """The rooms a connected client joins, so that `rooms_for` reaches exactly it."""
    if viewer.kind == "manager":
        return [room(session_id, "managers")]
    if viewer.kind == "observer":
        return [room(session_id, "observers"), room(session_id, "observer", viewer.id)]
    return [room(session_id, "candidates"), room(session_id, "candidate", viewer.id)]


# Events after which a person's open connections must close: access ends with them.
EVICTIONS = {
    "candidate_removed": ("candidate", "candidate_id"),
    "observer_removed": ("observer", "observer_id"),
    "manager_removed": ("manager", "manager_id"),
    # Another phone was let in as this candidate: the one they held before is signed out.
    "candidate_device_replaced": ("candidate", "candidate_id"),
}


def publish(session_id: str, events: Iterable[Event]) -> None:
    """Emit logged events, each to its audience only (through the message queue if any)."""
    for event in events:
        rooms = rooms_for(session_id, event.audience)
        if rooms:
            socketio.emit(event.type, event.envelope(), to=rooms)
        if event.type in EVICTIONS:
            kind, field = EVICTIONS[event.type]
            evict(session_id, kind, str(event.data[field]))


def evict(session_id: str, kind: str, person_id: str) -> None:
    """Close every connection one person holds to a session, on whichever process holds it."""
    from .store import get_redis
    from .store.sessions import sockets_of

    for socket_id in sockets_of(get_redis(), session_id, kind, person_id):
        socketio.server.disconnect(socket_id, namespace="/")


def close_sockets(socket_ids: Iterable[str]) -> None:
    """Close connections by id on whichever process holds them: the sign-in or token that
    opened them has ended."""
    for socket_id in socket_ids:
        socketio.server.disconnect(socket_id, namespace="/")
