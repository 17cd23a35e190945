"""Operations on who runs a session: its owner and the co-facilitators they add."""

from __future__ import annotations

from typing import Any

import redis

from ..domain.co_facilitators import add_co_facilitator, remove_co_facilitator
from ..domain.errors import DomainError, NotFound
from ..domain.events import Event
from ..domain.models import Session, SessionData
from ..store import unit
from ..store import users as user_store
from ..store.unit import Extra, Outcome
from ..store.users import StaffUser
from .access import require_owner


def add(r: redis.Redis, user: StaffUser, session_id: str, account_id: str) -> Outcome[Any]:
    """Let a facilitator run the session (the owner or an admin decides)."""
    account = user_store.get(r, account_id)

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        # Whether the caller may choose comes first: to others the session does not exist.
        require_owner(data.session, user)
        if account is None or not account.active:
            raise NotFound("unknown_user", "There is no such staff account.")
        if account.role == "admin":
            raise DomainError("admin_runs_all", f"{account.name} is an admin and runs every session already.")
        if account.role != "facilitator":
            raise DomainError(
                "not_a_facilitator", f"{account.name} is an observer: only facilitators run sessions."
            )
        return {"user_id": account.id}, add_co_facilitator(data.session, account.id, account.name)

    return unit.change(r, session_id, decide)


def remove(r: redis.Redis, user: StaffUser, session_id: str, account_id: str) -> Outcome[Any]:
    """Stop a co-facilitator running the session; their open connections to it close."""

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        require_owner(data.session, user)
        return {"user_id": account_id}, remove_co_facilitator(data.session, account_id)

    return unit.change(r, session_id, decide)


def members(r: redis.Redis, session: Session) -> list[dict[str, Any]]:
    """Who runs the session, owner first, with names (for the page and the API)."""
    people = []
    for user_id in [session.owner_id, *session.managers]:
        account = user_store.get(r, user_id)
        if account is not None:
            people.append(
                {
                    "id": account.id,
                    "name": account.name,
                    "email": account.email,
                    "owner": user_id == session.owner_id,
                }
            )
    return people


def candidates(r: redis.Redis, session: Session) -> list[StaffUser]:
    """Facilitators who could be made co-facilitators of the session."""
    taken = {session.owner_id, *session.managers}
    return [u for u in user_store.all_users(r) if u.active and u.role == "facilitator" and u.id not in taken]
