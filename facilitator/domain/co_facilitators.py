"""Co-facilitators: the facilitators a session's owner gives it to run beside them."""

from __future__ import annotations

from .errors import Conflict, NotFound
from .events import MANAGERS, Event
from .models import MAX_MANAGERS, Session


def add_co_facilitator(session: Session, user_id: str, name: str) -> list[Event]:
    """Let a facilitator run the session too."""
    if user_id == session.owner_id:
        raise Conflict("already_owner", f"{name} owns this session already.")
    if user_id in session.managers:
        raise Conflict("already_co_facilitator", f"{name} runs this session already.")
    if len(session.managers) >= MAX_MANAGERS:
        raise Conflict("too_many_co_facilitators", f"A session has at most {MAX_MANAGERS} co-facilitators.")
    session.managers.append(user_id)
    return [Event("managers_changed", {"managers": list(session.managers)}, MANAGERS)]


def remove_co_facilitator(session: Session, user_id: str) -> list[Event]:
    """Take a co-facilitator off the session; their open connections to it then close."""
    if user_id not in session.managers:
        raise NotFound("not_co_facilitator", "That person does not run this session.")
    session.managers.remove(user_id)
    return [
        Event("managers_changed", {"managers": list(session.managers)}, MANAGERS),
        Event("manager_removed", {"manager_id": user_id}, MANAGERS),
    ]
