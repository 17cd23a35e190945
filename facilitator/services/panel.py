"""Operations on a session's panel: add and remove observers, invite links, reminders."""

from __future__ import annotations

from typing import Any

import redis
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..domain import observing
from ..domain.errors import DomainError, NotFound
from ..domain.events import Event
from ..domain.ids import new_id
from ..domain.models import SessionData
from ..store import evidence as evidence_store
from ..store import unit
from ..store import users as user_store
from ..store.unit import Extra, Outcome
from ..store.users import StaffUser
from .access import require_manager

SALT = "panel-invite"


def add(r: redis.Redis, manager: StaffUser, session_id: str, user_id: str) -> Outcome[Any]:
    """Put an existing staff account on the panel."""
    account = user_store.get(r, user_id)
    if account is None or not account.active:
        raise NotFound("unknown_user", "There is no such staff account.")

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        require_manager(data.session, manager)
        return {"user_id": user_id}, observing.add_observer(data, user_id, account.name)

    return unit.change(r, session_id, decide)


def remove(r: redis.Redis, manager: StaffUser, session_id: str, user_id: str) -> Outcome[Any]:
    """Take someone off the panel."""

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        require_manager(data.session, manager)
        return {"user_id": user_id}, observing.remove_observer(data, user_id)

    return unit.change(r, session_id, decide)


def members(r: redis.Redis, data: SessionData) -> list[dict[str, str]]:
    """The panel with names, for pages and snapshots."""
    found = [user_store.get(r, uid) for uid in data.session.panel]
    return [{"id": u.id, "name": u.name, "email": u.email, "role": u.role} for u in found if u is not None]


def observer_names(r: redis.Redis, data: SessionData) -> dict[str, str]:
    """Names of everyone who observes or observed in the session, former panel members too."""
    ids = set(data.session.panel)
    for run in data.session.runs.values():
        for observers in run.observers.values():
            ids.update(observers)
    return {uid: account.name for uid in ids if (account := user_store.get(r, uid)) is not None}


def invite_link_token(r: redis.Redis, manager: StaffUser, session_id: str, secret_key: str) -> str:
    """A signed token for a panel invite link, scoped to this one session."""

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        require_manager(data.session, manager)
        if not data.session.panel_invite_nonce:
            data.session.panel_invite_nonce = new_id(12)
        return {"nonce": data.session.panel_invite_nonce}, []

    nonce = unit.change(r, session_id, decide).result["nonce"]
    return str(URLSafeTimedSerializer(secret_key, salt=SALT).dumps({"s": session_id, "n": nonce}))


def read_invite(r: redis.Redis, token: str, secret_key: str, max_age_s: int) -> SessionData:
    """The session a panel invite token opens, or a clear refusal (bad, expired, revoked)."""
    try:
        payload = URLSafeTimedSerializer(secret_key, salt=SALT).loads(token, max_age=max_age_s)
    except SignatureExpired:
        raise DomainError(
            "invite_expired", "This panel invite has expired. Ask the facilitator for a new one."
        ) from None
    except BadSignature:
        raise NotFound("bad_invite", "This panel invite link is not valid.") from None
    data = unit.read(r, str(payload.get("s", "")))
    if data is None or payload.get("n") != data.session.panel_invite_nonce:
        raise NotFound("bad_invite", "This panel invite link is no longer valid.")
    return data


def accept_invite(r: redis.Redis, user: StaffUser, session_id: str) -> Outcome[Any]:
    """The invited staff member joins the panel (a second visit changes nothing)."""

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        if user.id in data.session.panel:
            return {"user_id": user.id}, []
        return {"user_id": user.id}, observing.add_observer(data, user.id, user.name)

    return unit.change(r, session_id, decide)


def revoke_invites(r: redis.Redis, manager: StaffUser, session_id: str) -> None:
    """Make every panel invite link of the session stop working."""

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        require_manager(data.session, manager)
        data.session.panel_invite_nonce = new_id(12)
        return {}, []

    unit.change(r, session_id, decide)


def nudge(
    r: redis.Redis, manager: StaffUser, session_id: str, observer_id: str, request_id: str | None
) -> Outcome[Any]:
    """Remind an observer of the ratings they still owe."""
    ratings = evidence_store.ratings(r, session_id)

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        require_manager(data.session, manager)
        events = observing.nudge(data, observer_id, ratings)
        return {"owed": len(events[0].data["owed"])}, events

    return unit.change(r, session_id, decide, request_id=request_id)


def completion(r: redis.Redis, data: SessionData) -> list[dict[str, Any]]:
    """The completion matrix for the facilitator."""
    return observing.completion(data, evidence_store.ratings(r, data.session.id))
