"""Joining, checking in and leaving: the lobby's rules."""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from typing import Literal

from .errors import Conflict, Forbidden
from .events import EVERYONE, MANAGERS, STAFF, Audience, Event, staff_and_candidates
from .exercises import assignment_events, groups_changed
from .ids import new_id
from .models import MAX_CANDIDATES, Candidate, CandidateStatus, RunStatus, SessionData, SessionState
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


class Asked(enum.StrEnum):
    """Why a join goes to the facilitator instead of taking an identity (see domain.admissions)."""

    NAMESAKES = "namesakes"  # a typed name that two or more roster entries share
    CHECKED_IN = "checked_in"  # a typed name whose roster entry has already checked in on a phone
    SECOND_DEVICE = "second_device"  # a personal link opened on another phone than the one it checked in


@dataclass(frozen=True)
class Route:
    """Where a join goes: straight in (`check_in`, as `candidate_id` or as a walk-in when None),
    to the facilitator (`ask`, with the roster entries it may be), or back to the phone page
    (`continue`: this phone already is `candidate_id`)."""

    kind: Literal["check_in", "ask", "continue"]
    candidate_id: str | None = None
    asked: Asked | None = None
    matches: tuple[str, ...] = ()


def route_join(
    data: SessionData, *, name: str, candidate_id: str | None, by_link: bool, holder: str | None = None
) -> Route:
    """Decide where a join goes. `holder` is the candidate this phone's device token already
    stands for in this session, if any. A typed name takes a roster identity only when exactly
    one entry has it and nobody has checked in with it; a locked lobby takes personal links only."""
    if by_link:
        candidate = data.candidate(candidate_id or "")
        check_can_join(data, candidate)
        if candidate.status != CandidateStatus.CHECKED_IN:
            return Route("check_in", candidate.id)
        if holder == candidate.id:
            return Route("continue", candidate.id)
        return Route("ask", asked=Asked.SECOND_DEVICE, matches=(candidate.id,))
    key = name_key(name)
    matches = [c for c in data.candidates.values() if name_key(c.name) == key]
    current = [c for c in matches if c.status != CandidateStatus.REMOVED]
    if holder is not None and holder in {c.id for c in current}:
        return Route("continue", holder)  # this phone checked in under that name already
    check_can_join(data, None)  # the state, and a locked lobby turns every typed name away
    if len(current) > 1:
        return Route("ask", asked=Asked.NAMESAKES, matches=tuple(c.id for c in current))
    if current and current[0].status == CandidateStatus.CHECKED_IN:
        return Route("ask", asked=Asked.CHECKED_IN, matches=(current[0].id,))
    if current:
        return Route("check_in", current[0].id)
    if len(matches) == 1:
        raise Forbidden("removed", "You have been removed from this session.")
    check_room(data)
    return Route("check_in", None)


def asked_refusal(data: SessionData, route: Route) -> Conflict:
    """The refusal a direct check-in meets when its join must go to the facilitator."""
    name = data.candidate(route.matches[0]).name
    if route.asked == Asked.NAMESAKES:
        return Conflict(
            "same_name",
            f"More than one person called {name} is expected, so we cannot tell "
            "from your name which one you are. Open the personal link you were sent, "
            "or ask the facilitator to let you in.",
        )
    if route.asked == Asked.CHECKED_IN:
        return Conflict(
            "already_checked_in",
            f"Someone called {name} has already checked in. If that is you, "
            "open your personal link or ask the facilitator to let you in.",
        )
    return Conflict(
        "second_device",
        f"{name} has already checked in on another phone. Ask the facilitator to let this phone in.",
    )


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
                "The lobby is locked: only personal links get in now. Open the link you were "
                "sent, or ask the facilitator for it.",
            )
        return
    if candidate.status == CandidateStatus.REMOVED:
        raise Forbidden("removed", "You have been removed from this session.")


def check_in(
    data: SessionData, *, name: str, candidate_id: str | None, by_link: bool, now: float
) -> tuple[Candidate, list[Event]]:
    """Check a candidate in straight away, by personal link or by a typed name (a walk-in when
    the roster has nobody of that name). A join that must go to the facilitator is refused."""
    route = route_join(data, name=name, candidate_id=candidate_id, by_link=by_link)
    if route.kind == "ask":
        raise asked_refusal(data, route)
    candidate = data.candidates[route.candidate_id] if route.candidate_id else new_walk_in(data, name, now)
    return candidate, arrive(candidate, now, now)


def check_room(data: SessionData) -> None:
    """Refuse a walk-in once the session holds as many people as a roster may (removed ones
    count: their records stay until the session is purged)."""
    if len(data.candidates) >= MAX_CANDIDATES:
        raise Conflict(
            "session_full",
            f"This session is full: it takes at most {MAX_CANDIDATES} people. Ask the facilitator.",
        )


def new_walk_in(data: SessionData, name: str, now: float) -> Candidate:
    """Add someone the roster did not expect (while the session has room)."""
    check_room(data)
    candidate = Candidate(id=new_id(), name=name, walk_in=True, added_at=now)
    data.candidates[candidate.id] = candidate
    return candidate


def arrive(candidate: Candidate, accepted_at: float, now: float) -> list[Event]:
    """Mark a candidate checked in (once): the privacy notice accepted at `accepted_at`."""
    if candidate.status == CandidateStatus.CHECKED_IN:
        return []
    candidate.status = CandidateStatus.CHECKED_IN
    candidate.privacy_accepted_at = accepted_at
    candidate.checked_in_at = now
    # Observers see arrivals too (names only): late arrivals appear on their tablets.
    return [Event("candidate_checked_in", candidate_summary(candidate), STAFF)]


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
    """Lock or unlock the lobby to typed names (personal links always get in)."""
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
