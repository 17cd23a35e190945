"""Who may do what in a session: the one place staff permissions are decided."""

from __future__ import annotations

from ..domain.errors import Forbidden, NotFound
from ..domain.events import Viewer
from ..domain.models import Session
from ..store.users import StaffUser


def staff_viewer(session: Session, user: StaffUser) -> Viewer:
    """How a staff member takes part in a session, or Forbidden/NotFound."""
    if user.role == "admin" or user.id == session.owner_id:
        return Viewer("manager", user.id)
    if user.role == "facilitator":
        # Facilitators work as a team: any facilitator may run any session.
        return Viewer("manager", user.id)
    raise NotFound("unknown_session", "There is no such session.")


def require_manager(session: Session, user: StaffUser) -> Viewer:
    """Refuse anyone who may not run this session."""
    viewer = staff_viewer(session, user)
    if viewer.kind != "manager":
        raise Forbidden("not_facilitator", "Only the session's facilitators can do that.")
    return viewer


def can_create_sessions(user: StaffUser) -> bool:
    """Admins and facilitators create sessions; observers do not."""
    return user.role in ("admin", "facilitator")
