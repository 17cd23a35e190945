"""The session page's co-facilitator forms: the owner (or an admin) chooses who else runs it."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import login_required
from werkzeug.wrappers import Response

from .. import broadcast
from ..domain.errors import DomainError
from ..services import co_facilitators
from ..store import get_redis
from ..store import users as user_store
from . import notes
from .helpers import managed, me

bp = Blueprint("co_facilitators", __name__)


@bp.post("/sessions/<session_id>/co-facilitators")
@login_required
def add(session_id: str) -> Response:
    """Let another facilitator run this session."""
    managed(session_id)
    user_id = request.form.get("user_id", "")[:64]
    try:
        outcome = co_facilitators.add(get_redis(), me(), session_id, user_id)
    except DomainError as exc:
        return notes.back(session_id, "co-facilitators", exc.message, "error")
    broadcast.publish(session_id, outcome.events)
    account = user_store.get(get_redis(), user_id)
    return notes.back(
        session_id, "co-facilitators", f"{account.name if account else 'They'} can now run this session."
    )


@bp.post("/sessions/<session_id>/co-facilitators/<user_id>/remove")
@login_required
def remove(session_id: str, user_id: str) -> Response:
    """Stop a co-facilitator running this session; their open screens of it close."""
    managed(session_id)
    account = user_store.get(get_redis(), user_id[:64])
    try:
        outcome = co_facilitators.remove(get_redis(), me(), session_id, user_id[:64])
    except DomainError as exc:
        return notes.back(session_id, "co-facilitators", exc.message, "error")
    broadcast.publish(session_id, outcome.events)
    return notes.back(
        session_id, "co-facilitators", f"{account.name if account else 'They'} no longer runs this session."
    )
