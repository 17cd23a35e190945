"""API routes for who runs a session: its owner and co-facilitators."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints

from ...domain.errors import NotFound
from ...domain.models import Identifier
from ...services import co_facilitators
from ...store import get_redis
from ...store import users as user_store
from . import current_api_user, operation
from .common import Body, managed, published
from .responses import Reply


class RunsSession(Reply):
    """Someone who runs the session: its owner, or a co-facilitator."""

    id: str
    name: str
    email: str
    owner: bool


class CoFacilitatorChange(Reply):
    """The facilitator account given or taken the session."""

    user_id: str


class CoFacilitator(Body):
    """A facilitator account to run the session too, by id or email."""

    user_id: Identifier | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = None


@operation(
    "GET",
    "/sessions/<session_id>/co-facilitators",
    "List who runs a session",
    tag="sessions",
    response=list[RunsSession],
)
def list_co_facilitators(session_id: str) -> Any:
    """The owner first, then the co-facilitators (admins run every session besides)."""
    return co_facilitators.members(get_redis(), managed(session_id).session)


@operation(
    "POST",
    "/sessions/<session_id>/co-facilitators",
    "Let a facilitator run a session too",
    tag="sessions",
    body=CoFacilitator,
    status=201,
    response=CoFacilitatorChange,
)
def add_co_facilitator(session_id: str, body: CoFacilitator) -> Any:
    """Only the owner or an admin chooses co-facilitators."""
    user_id = body.user_id
    if user_id is None and body.email:
        found = user_store.by_email(get_redis(), body.email)
        user_id = found[0].id if found else None
    if user_id is None:
        raise NotFound("unknown_user", "There is no staff account with that id or email.")
    return published(session_id, co_facilitators.add(get_redis(), current_api_user(), session_id, user_id))


@operation(
    "DELETE",
    "/sessions/<session_id>/co-facilitators/<user_id>",
    "Stop a co-facilitator running a session",
    tag="sessions",
    response=CoFacilitatorChange,
)
def remove_co_facilitator(session_id: str, user_id: str) -> Any:
    """Their open connections to the session close."""
    return published(session_id, co_facilitators.remove(get_redis(), current_api_user(), session_id, user_id))
