"""Who may do what in a session: the one place staff permissions are decided.

Admins run every session. A facilitator runs the sessions they own and those whose owner
(or an admin) made them a co-facilitator; an observer, or a facilitator on a panel, observes
the sessions whose panel they are on. To anyone else a session does not exist: the same
404 as for a session id that was never made, so ids and join codes cannot be probed.
"""

from __future__ import annotations

from ..domain.errors import Forbidden, NotFound
from ..domain.events import Viewer
from ..domain.models import Session
from ..store.users import StaffUser


def runs(session: Session, user: StaffUser) -> bool:
    """True when the staff member may run the session (set it up, run it live, review it)."""
    return user.role == "admin" or (
        user.role == "facilitator" and (user.id == session.owner_id or user.id in session.managers)
    )


def staff_viewer(session: Session, user: StaffUser) -> Viewer:
    """How a staff member takes part in a session, or NotFound."""
    if runs(session, user):
        return Viewer("manager", user.id)
    if user.id in session.panel:
        return Viewer("observer", user.id)
    raise NotFound("unknown_session", "There is no such session.")


def require_manager(session: Session, user: StaffUser) -> Viewer:
    """Refuse anyone who may not run this session."""
    viewer = staff_viewer(session, user)
    if viewer.kind != "manager":
        raise Forbidden("not_facilitator", "Only the session's facilitators can do that.")
    return viewer


def require_owner(session: Session, user: StaffUser) -> None:
    """Refuse anyone but the owner and admins (who alone choose who runs the session)."""
    require_manager(session, user)
    if user.role != "admin" and user.id != session.owner_id:
        raise Forbidden("not_owner", "Only the session's owner or an admin chooses its co-facilitators.")


def can_create_sessions(user: StaffUser) -> bool:
    """Admins and facilitators create sessions; observers do not."""
    return user.role in ("admin", "facilitator")


def visible_sessions(sessions: list[Session], user: StaffUser) -> list[Session]:
    """The sessions a staff member may see: all for admins; those they run or observe for
    everyone else."""
    return [s for s in sessions if runs(s, user) or user.id in s.panel]
