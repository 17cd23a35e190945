"""Writing and reading the audit log (see domain/audit.py for what an entry holds).

Operations call `record` (or `changed`, `viewed`) once what they did has happened. An entry
that cannot be written is logged as an error and the operation still answers: the write it
describes has been made, and failing it now would make the client send it again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

import redis

from ..domain.audit import SYSTEM, AuditAction, AuditEntry, AuditQuery, change_action, clip, typed_email
from ..domain.errors import Forbidden
from ..domain.events import Event
from ..store import audit as store
from ..store.users import StaffUser

log = logging.getLogger(__name__)

# The audit log keeps a year; older entries are trimmed as new ones are added.
KEEP_DAYS = 365
PAGE_SIZE = 100
# Event fields an entry may name: ids and the outcome chosen, never a note or evidence.
DETAIL_FIELDS = (
    ("exercise_id", "exercise"),
    ("competency_id", "competency"),
    ("observer_id", "observer"),
    ("outcome", "outcome"),
)


def actor_of(user: StaffUser) -> str:
    """How a staff member is named in an entry: name and email, as they were then."""
    return clip(f"{user.name} <{user.email}>" if user.name else user.email, 254)


def entry(
    actor: StaffUser | None,
    action: AuditAction,
    *,
    session_id: str = "",
    candidate_id: str = "",
    detail: str = "",
    address: str = "",
) -> AuditEntry:
    """An entry made now; without `actor`, the system acted (the retention purge)."""
    return AuditEntry(
        at=time.time(),
        actor_id=actor.id if actor is not None else SYSTEM,
        actor=actor_of(actor) if actor is not None else "Facilitator (automatic)",
        action=action,
        session_id=session_id,
        candidate_id=candidate_id,
        detail=clip(detail),
        address=address[:64],
    )


def record(r: Any, made: AuditEntry) -> None:
    """Add an entry; with a transaction pipeline as `r`, it is written with the transaction."""
    try:
        store.append(r, made, KEEP_DAYS)
    except redis.RedisError as exc:
        log.error("audit entry not written (%s by %s): %s", made.action, made.actor_id, exc)


def viewed(
    r: redis.Redis,
    user: StaffUser,
    action: AuditAction,
    session_id: str,
    candidate_id: str = "",
    detail: str = "",
) -> None:
    """Someone looked at (or downloaded) assessment data."""
    record(r, entry(user, action, session_id=session_id, candidate_id=candidate_id, detail=detail))


def _detail(data: dict[str, Any]) -> str:
    return ", ".join(f"{label} {data[name]}" for name, label in DETAIL_FIELDS if data.get(name))


def change_entry(user: StaffUser, session_id: str, events: Iterable[Event]) -> AuditEntry | None:
    """The entry for a write to evidence or the review: one for the change it logged (None
    when none of its events is audited)."""
    for event in events:
        action = change_action(event.type)
        if action is not None:
            candidate = str(event.data.get("candidate_id") or "")
            return entry(
                user, action, session_id=session_id, candidate_id=candidate, detail=_detail(event.data)
            )
    return None


def changed(r: redis.Redis, user: StaffUser, session_id: str, events: Iterable[Event]) -> None:
    """A write to evidence or the review was applied: one entry for the change it logged."""
    made = change_entry(user, session_id, events)
    if made is not None:
        record(r, made)


def change_script_args(user: StaffUser, session_id: str, events: Iterable[Event]) -> list[str]:
    """`change_entry` for a script that writes it with the change (none: [])."""
    made = change_entry(user, session_id, events)
    return [] if made is None else store.script_args(made, KEEP_DAYS)


def sign_in(r: redis.Redis, email: str, account: StaffUser | None, address: str | None, problem: str) -> None:
    """A sign-in: who signed in, or for a refusal the email typed (if it looks like one), the
    client address and why; never the password."""
    if account is not None:
        made = entry(account, AuditAction.SIGNED_IN, address=address or "")
    else:
        made = AuditEntry(
            at=time.time(),
            actor=typed_email(email),
            action=AuditAction.SIGN_IN_REFUSED,
            detail=clip(problem),
            address=(address or "")[:64],
        )
    record(r, made)


def search(
    r: redis.Redis, user: StaffUser, query: AuditQuery, limit: int = PAGE_SIZE
) -> tuple[list[AuditEntry], str | None]:
    """A page of entries passing the filter, newest first, for admins only; and the cursor of
    the next page. Reading the log is itself recorded."""
    if user.role != "admin":
        raise Forbidden("not_admin", "Only admins read the audit log.")
    found, more = store.search(r, query, limit)
    if not query.before:  # the first page of a search, not each page turned
        record(r, entry(user, AuditAction.VIEWED_AUDIT_LOG))
    return found, more
