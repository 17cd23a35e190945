"""Who may do what in a session: the one place staff permissions are decided."""

from __future__ import annotations

from ..domain.errors import Forbidden, NotFound
from ..domain.events import Viewer
from ..domain.models import Session
from ..store.users import StaffUser


def staff_viewer(session: Session, user: StaffUser) -> Viewer:
    """How a staff member takes part in a session, or Forbidden/NotFound."""
    if user.role in ("admin", "facilitator") or user.id == session.owner_id:
        # Facilitators work as a team: any facilitator may run any session.
        return Viewer("manager", user.id)
    if user.id in session.panel:
        return Viewer("observer", user.id)
    # Observers see only the sessions they are on; to them, others do not exist.
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


def visible_sessions(sessions: list[Session], user: StaffUser) -> list[Session]:
    """The sessions a staff member may see: all for facilitators, their own panels for observers."""
    if user.role in ("admin", "facilitator"):
        return sessions
    return [s for s in sessions if user.id in s.panel]
