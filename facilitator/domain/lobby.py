"""Joining, checking in and leaving: the lobby's rules."""

from __future__ import annotations

import unicodedata

from .errors import Conflict, Forbidden
from .events import EVERYONE, MANAGERS, STAFF, Audience, Event, staff_and_candidates
from .exercises import assignment_events, groups_changed
from .ids import new_id
from .models import Candidate, CandidateStatus, RunStatus, SessionData, SessionState
from .observing import observers_event
from .states import require_state

JOINABLE = (SessionState.OPEN, SessionState.LIVE)


def name_key(name: str) -> str:
    """A form of a name for matching: case, accents and spacing do not matter."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() or name
    return " ".join(folded.casefold().split())


def candidate_summary(candidate: Candidate) -> dict[str, object]:
    """What managers see of a candidate in the lobby."""
    return {
        "id": candidate.id,
        "name": candidate.name,
        "status": candidate.status.value,
        "walk_in": candidate.walk_in,
        "checked_in_at": candidate.checked_in_at,
        "portfolio_url": candidate.portfolio_url,
    }


def find_by_name(data: SessionData, name: str) -> Candidate | None:
    """The roster candidate whose name matches `name`, or None for a walk-in.

    Two current candidates with that name cannot be told apart by name: the person is asked
    for their personal link rather than being added as a third."""
    key = name_key(name)
    matches = [c for c in data.candidates.values() if name_key(c.name) == key]
    current = [c for c in matches if c.status != CandidateStatus.REMOVED]
    if len(current) > 1:
        raise Conflict(
            "same_name",
            f"More than one person called {current[0].name} is expected, so we cannot tell "
            "from your name which one you are. Open the personal link you were sent, "
            "or ask the facilitator for it.",
        )
    if current:
        return current[0]
    return matches[0] if len(matches) == 1 else None


def check_can_join(data: SessionData, candidate: Candidate | None) -> None:
    """Refuse a join the session cannot take, before any notice is shown."""
    session = data.session
    if session.state not in JOINABLE:
        if session.state == SessionState.DRAFT:
            raise Conflict("not_open", "This session has not opened yet. Try again a little later.")
        raise Conflict("closed", "This session has finished; joining is closed.")
    if candidate is None:
        if session.lobby_locked:
            raise Forbidden(
                "lobby_locked",
                "The lobby is locked. Ask the facilitator for your personal link.",
            )
        return
    if candidate.status == CandidateStatus.REMOVED:
        raise Forbidden("removed", "You have been removed from this session.")


def check_in(
    data: SessionData, *, name: str, candidate_id: str | None, by_link: bool, now: float
) -> tuple[Candidate, list[Event]]:
    """Check a candidate in, matching the roster by link or by name; walk-ins if allowed."""
    candidate = data.candidates.get(candidate_id) if candidate_id else None
    if candidate is None and not by_link:
        candidate = find_by_name(data, name)
        if candidate is not None and candidate.status == CandidateStatus.CHECKED_IN:
            raise Conflict(
                "already_checked_in",
                f"Someone called {candidate.name} has already checked in. If that is you, "
                "open your personal link or ask the facilitator.",
            )
    check_can_join(data, candidate)
    first_time = candidate is None or candidate.status != CandidateStatus.CHECKED_IN
    if candidate is None:
        candidate = Candidate(id=new_id(), name=name, walk_in=True, added_at=now)
        data.candidates[candidate.id] = candidate
    if first_time:
        candidate.status = CandidateStatus.CHECKED_IN
        candidate.privacy_accepted_at = now
        candidate.checked_in_at = now
    # Observers see arrivals too (names only): late arrivals appear on their tablets.
    events = [Event("candidate_checked_in", candidate_summary(candidate), STAFF)] if first_time else []
    return candidate, events


def remove_candidate(data: SessionData, candidate_id: str) -> list[Event]:
    """Remove a candidate: they lose access and stay removed, whatever they reload."""
    candidate = data.candidate(candidate_id)
    if candidate.status == CandidateStatus.REMOVED:
        raise Conflict("already_removed", f"{candidate.name} has already been removed.")
    candidate.status = CandidateStatus.REMOVED
    events = [Event("candidate_removed", {"candidate_id": candidate_id}, staff_and_candidates(candidate_id))]
    for run in data.session.runs.values():
        group = run.group_of(candidate_id)
        exercise = data.session.exercise(run.exercise_id)
        if run.status == RunStatus.ENDED or group is None or exercise is None:
            continue  # finished exercises stay as they were run
        group.members.remove(candidate_id)
        group.roles.pop(candidate_id, None)
        run.groups = [g for g in run.groups if g.members]
        events.append(groups_changed(data, exercise, run))
        if run.observers.pop(candidate_id, None) is not None:
            events.append(observers_event(data, run))
        if run.started_at is not None:
            # Team-mates' phones drop the name at once.
            events += assignment_events(data, exercise, run, only=set(group.members))
    return events


def set_lobby_lock(data: SessionData, locked: bool) -> list[Event]:
    """Lock or unlock the lobby to walk-ins (roster candidates can always join)."""
    require_state(
        data.session,
        SessionState.DRAFT,
        SessionState.OPEN,
        SessionState.LIVE,
        doing="lock or unlock the lobby",
    )
    if data.session.lobby_locked == locked:
        word = "locked" if locked else "unlocked"
        raise Conflict("lobby_unchanged", f"The lobby is already {word}.")
    data.session.lobby_locked = locked
    return [Event("lobby_lock_changed", {"locked": locked}, MANAGERS)]


def presence_changed(candidate_id: str, online: bool, now: float) -> Event:
    """A candidate's phone connected or went away (managers watch this in the lobby)."""
    return Event(
        "candidate_presence_changed",
        {"candidate_id": candidate_id, "online": online, "at": now},
        Audience(),
    )


def session_state_changed(data: SessionData) -> Event:
    """Everyone learns that the session moved to another state."""
    return Event("session_state_changed", {"state": data.session.state.value}, EVERYONE)
