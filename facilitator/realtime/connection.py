"""Connecting, resuming and leaving: who a socket is, and what it missed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import redis
from flask import request
from flask_login import current_user
from flask_socketio import join_room
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from socketio.exceptions import ConnectionRefusedError

from .. import broadcast, payloads
from ..domain.commands import Resume
from ..domain.errors import DomainError, Forbidden
from ..domain.events import Viewer
from ..domain.models import CandidateStatus
from ..extensions import socketio
from ..services import accounts, live, presence
from ..services.access import staff_viewer
from ..store import client as storage
from ..store import get_redis, unit
from ..store import sessions as session_store
from ..store import users as user_store
from ..store.users import StaffUser
from . import limits, permissions, replies, transport
from . import presence as heartbeat

Token = Annotated[str, StringConstraints(min_length=10, max_length=200)]


class ConnectAuth(BaseModel):
    """What a client says about itself when it connects."""

    model_config = ConfigDict(extra="forbid", strict=True)
    session_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    token: Token | None = None
    api_token: Token | None = None
    # A facilitator who is also on the panel opens the observer tablet as an observer.
    role: Literal["observer"] | None = None


@dataclass(frozen=True)
class Connection:
    """One authenticated socket: the session it watches and who it is."""

    session_id: str
    viewer: Viewer
    user: StaffUser | None = None
    # What let a staff socket in ("sign-in:<id>" or "token:<token>"): ending it closes the socket.
    credential: str = ""


# Socket id -> its connection. A socket lives in exactly one process, so this is the
# one piece of state that is rightly process-local.
connections: dict[str, Connection] = {}

DEVICE_COOKIE = "fac_device_{}"


def socket_id() -> str:
    """The Socket.IO id of the socket whose event is being handled."""
    return str(request.sid)  # type: ignore[attr-defined]


def current() -> Connection | None:
    """The connection of the socket whose event is being handled."""
    return connections.get(socket_id())


def _authenticate(auth: ConnectAuth) -> Connection:
    """Who is connecting, from the fewest reads: a phone's connect reads its device token, the
    session document (parsed once per version) and its own candidate record, not the roster."""
    r = get_redis()
    user: StaffUser | None = None
    # Cookies count only from a page of an allowed origin (realtime/transport.py).
    cookies = transport.cookies_allowed()
    credential = ""
    if auth.api_token:
        user = user_store.user_for_api_token(r, auth.api_token)
        if user is None:
            unit.session_document(r, auth.session_id)  # an unknown session says so first
            raise DomainError("not_signed_in", "That API token is not valid: it has expired or been revoked.")
        credential = f"token:{auth.api_token}"
    elif cookies and current_user.is_authenticated:
        user, credential = current_user.account, current_user.credential
    if user is not None:
        session = unit.session_document(r, auth.session_id)
        if auth.role == "observer":
            if user.id not in session.panel:
                raise Forbidden("not_on_panel", "Join the session's panel to observe it.")
            return Connection(auth.session_id, Viewer("observer", user.id), user, credential)
        return Connection(auth.session_id, staff_viewer(session, user), user, credential)
    token = auth.token or (request.cookies.get(DEVICE_COOKIE.format(auth.session_id)) if cookies else None)
    found = session_store.resolve_device(r, token) if token else None
    if found is None or found[0] != auth.session_id:
        unit.session_document(r, auth.session_id)  # an unknown session says so first
        raise DomainError("not_signed_in", "Sign in, or join the session again from your link.")
    candidate = unit.load_setup(r, auth.session_id, found[1]).candidate(found[1])
    if candidate.status == CandidateStatus.REMOVED:
        raise DomainError("removed", "You have been removed from this session.")
    return Connection(auth.session_id, Viewer("candidate", candidate.id))


def _refuse(error: dict[str, Any]) -> ConnectionRefusedError:
    # The client's connect_error carries {message, data: {code, message}}.
    return ConnectionRefusedError(error["message"], error)


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    """Any client: authenticate on connect; a refusal carries a code and a message."""
    storage.begin()
    try:
        conn = _authenticate(payloads.read(ConnectAuth, auth or {}))
        limits.check_sockets(get_redis(), conn.session_id, conn.viewer, connections, heartbeat.process_id())
        # Recorded against its sign-in or token, atomically with checking that it still
        # stands, so a sign-out at this very moment either closes this socket or refuses it.
        held = conn.user is None or accounts.hold_socket(get_redis(), conn.user, conn.credential, socket_id())
        if not held:
            raise DomainError("signed_out", "You have been signed out. Sign in again.")
        events = presence.socket_changed(
            get_redis(), conn.session_id, conn.viewer, socket_id(), True, heartbeat.process_id()
        )
    except (DomainError, ValidationError) as exc:
        raise _refuse(replies.from_exception(exc)["error"]) from None
    except redis.RedisError as exc:
        # Refused at once, not left hanging: the client tries again shortly.
        raise _refuse(replies.storage_failed("connect", exc, write=False)["error"]) from None
    connections[socket_id()] = conn
    for name in broadcast.rooms_of(conn.session_id, conn.viewer):
        join_room(name)
    broadcast.publish(conn.session_id, events)


@socketio.on("disconnect")
def on_disconnect(*_: Any) -> None:
    """Any client: a candidate's phone going away shows in the lobby."""
    limits.forget(socket_id())
    conn = connections.pop(socket_id(), None)
    if conn is None:
        return
    try:
        if conn.user is not None:
            accounts.release_socket(get_redis(), conn.user, socket_id())
        events = presence.socket_changed(
            get_redis(), conn.session_id, conn.viewer, socket_id(), False, heartbeat.process_id()
        )
    except redis.RedisError as exc:
        # Still recorded as this process's: if it dies before Redis returns, the sweep
        # lets the socket go; otherwise the phone shows online until it reconnects.
        replies.storage_failed("disconnect", exc)
        return
    broadcast.publish(conn.session_id, events)


@socketio.on("resume")
def on_resume(payload: Any = None, *extra: Any) -> dict[str, Any]:
    """Any client, after (re)connecting: the events it missed since `last_seq`, or a snapshot."""
    storage.begin()
    conn = current()
    if conn is None:
        return replies.error("not_connected", "Connect before resuming.")
    if (refused := permissions.refusal(conn.viewer.kind, "resume")) is not None:
        return replies.error(**refused)
    if extra:
        return replies.extra_arguments("resume", len(extra))
    try:
        command = payloads.read(Resume, payload or {})
        return replies.ok(live.catch_up(get_redis(), conn.session_id, conn.viewer, command.last_seq))
    except (DomainError, ValidationError) as exc:
        return replies.from_exception(exc)
    except redis.RedisError as exc:
        return replies.storage_failed("resume", exc)


@socketio.on("sync_clock")
def on_sync_clock(_payload: Any = None, *extra: Any) -> dict[str, Any]:
    """Any client: the server's clock, to count down against the server's end instants."""
    conn = current()
    if conn is None:
        return replies.error("not_connected", "Connect before syncing the clock.")
    if (refused := permissions.refusal(conn.viewer.kind, "sync_clock")) is not None:
        return replies.error(**refused)
    if extra:
        return replies.extra_arguments("sync_clock", len(extra))
    return replies.ok({"server_time": time.time()})


@socketio.on_error_default
def on_error(exc: Exception) -> dict[str, Any]:
    """Any event whose handler met a storage failure still gets an acknowledgement."""
    if isinstance(exc, redis.RedisError):
        return replies.storage_failed(str(request.event["message"]), exc)  # type: ignore[attr-defined]
    raise exc
