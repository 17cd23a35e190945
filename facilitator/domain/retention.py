"""How long candidates' data is kept, and what erasing it leaves behind."""

from __future__ import annotations

from .models import Session, SessionState

DAY_S = 24 * 3600


def retention_starts(session: Session) -> float:
    """The instant the retention period counts from: the end of the live part, or, for a
    session that never ended, the last time anyone changed it."""
    return session.ended_at if session.ended_at is not None else session.updated_at


def due_for_erasure(session: Session, retention_days: int, now: float) -> bool:
    """True once the retention period has passed and the data is still there."""
    return session.purged_at is None and now - retention_starts(session) > retention_days * DAY_S


def erase_candidates(session: Session, now: float) -> None:
    """Forget who was in which group and who watched whom; archive the session.

    The set-up (competencies, exercises, panel) stays, so the session can still be copied
    as a template; everything about the candidates goes.
    """
    for run in session.runs.values():
        run.groups = []
        run.observers = {}
    session.current_exercise_id = None
    session.lobby_locked = True
    session.state = SessionState.ARCHIVED
    session.purged_at = now
    session.updated_at = now
