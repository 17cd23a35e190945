"""The session state machine: which moves are allowed, and why a move is refused."""

from __future__ import annotations

from .errors import Conflict
from .models import RunStatus, Session, SessionState

S = SessionState

# Forward moves a session can make, plus two ways back that a facilitator needs:
# closing the lobby again before anyone is assessed, and reopening a finished review.
TRANSITIONS: dict[SessionState, frozenset[SessionState]] = {
    S.DRAFT: frozenset({S.OPEN}),
    S.OPEN: frozenset({S.DRAFT, S.LIVE}),
    S.LIVE: frozenset({S.ENDED}),
    S.ENDED: frozenset({S.REVIEW}),
    S.REVIEW: frozenset({S.DECIDED}),
    S.DECIDED: frozenset({S.REVIEW, S.ARCHIVED}),
    S.ARCHIVED: frozenset(),
}

# What each state is called in messages a person reads.
LABELS: dict[SessionState, str] = {
    S.DRAFT: "draft",
    S.OPEN: "open (lobby)",
    S.LIVE: "live",
    S.ENDED: "ended",
    S.REVIEW: "in review",
    S.DECIDED: "decided",
    S.ARCHIVED: "archived",
}


def allowed_targets(state: SessionState) -> frozenset[SessionState]:
    """The states a session in `state` may move to."""
    return TRANSITIONS[state]


def check_transition(session: Session, target: SessionState) -> None:
    """Refuse an illegal move with a message that says why; return quietly if allowed."""
    current = session.state
    if target == current:
        raise Conflict("state_unchanged", f"The session is already {LABELS[current]}.")
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(LABELS[t] for t in TRANSITIONS[current])) or "nothing"
        raise Conflict(
            "illegal_transition",
            f"A session that is {LABELS[current]} cannot become {LABELS[target]}; "
            f"from {LABELS[current]} it can become: {allowed}.",
        )
    if target == S.OPEN and not session.exercises:
        raise Conflict("no_exercises", "Add at least one exercise before opening the lobby.")
    if target == S.DRAFT and session.runs:
        raise Conflict("already_run", "Exercises have been run; the session cannot go back to draft.")
    run = session.current_run
    if target == S.ENDED and run is not None and run.status in (RunStatus.RUNNING, RunStatus.PAUSED):
        raise Conflict(
            "exercise_running",
            "An exercise is still running; end it before ending the session.",
        )


def move(session: Session, target: SessionState, now: float) -> None:
    """Move the session to `target`, or refuse with the reason."""
    check_transition(session, target)
    session.state = target
    session.updated_at = now
    if target == S.ENDED:
        session.ended_at = now


def require_state(session: Session, *states: SessionState, doing: str) -> None:
    """Refuse `doing` unless the session is in one of `states`."""
    if session.state not in states:
        wanted = " or ".join(LABELS[s] for s in states)
        raise Conflict(
            "wrong_state",
            f"You can {doing} only while the session is {wanted}; it is {LABELS[session.state]}.",
        )
