"""The admission queue: phones the facilitator lets in by hand.

A typed name that two roster entries share, a typed name whose roster entry has already checked
in, and a personal link opened on a second phone cannot vouch for the person holding the phone
(`lobby.route_join` sends them here). The phone waits; the facilitator admits it as one of the
people it may be (a roster entry that already holds a phone then loses that phone), as a new
walk-in, or refuses it. Nobody takes an identity someone else holds without a person deciding.
"""

from __future__ import annotations

import enum

from .errors import Conflict
from .events import MANAGERS, Event
from .lobby import JOINABLE, Asked, Route, arrive, new_walk_in
from .models import Candidate, CandidateStatus, Identifier, Name, Record, SessionData

ADMISSION_TTL_S = 30 * 60  # a request nobody answered in half an hour has gone stale
MAX_WAITING = 20  # requests waiting at once in one session: the control room stays readable


class AdmissionStatus(enum.StrEnum):
    """Where a request to be let in stands."""

    WAITING = "waiting"
    ADMITTED = "admitted"
    REFUSED = "refused"


class Admission(Record):
    """One phone waiting to be let in, and what the facilitator decided."""

    id: Identifier
    name: Name  # as typed, or the roster name a personal link carries
    asked: Asked
    matches: list[Identifier]  # the roster entries the phone may be
    requested_at: float  # when the privacy notice was accepted and the request made
    status: AdmissionStatus = AdmissionStatus.WAITING
    candidate_id: Identifier | None = None  # who it was let in as
    decided_at: float | None = None
    decided_by: str | None = None

    def waiting(self, now: float) -> bool:
        """True while the facilitator can still answer it."""
        return self.status == AdmissionStatus.WAITING and now < self.requested_at + ADMISSION_TTL_S


def view(data: SessionData, admission: Admission) -> dict[str, object]:
    """What the control room shows of a request: the name given, who it may be, when."""
    matches = [data.candidates[cid] for cid in admission.matches if cid in data.candidates]
    return {
        "id": admission.id,
        "name": admission.name,
        "asked": admission.asked.value,
        "matches": [{"id": c.id, "name": c.name, "status": c.status.value} for c in matches],
        "requested_at": admission.requested_at,
        "expires_at": admission.requested_at + ADMISSION_TTL_S,
    }


def request(
    data: SessionData, route: Route, name: str, admission_id: str, waiting: int, now: float
) -> tuple[Admission, list[Event]]:
    """Put a phone in the queue (`waiting`: how many requests already wait in this session)."""
    assert route.kind == "ask" and route.asked is not None
    if waiting >= MAX_WAITING:
        raise Conflict(
            "queue_full",
            "Many phones are already waiting for the facilitator. "
            "Ask the facilitator in the room to let you in.",
        )
    shown = data.candidate(route.matches[0]).name if route.asked == Asked.SECOND_DEVICE else name
    admission = Admission(
        id=admission_id, name=shown, asked=route.asked, matches=list(route.matches), requested_at=now
    )
    return admission, [Event("admission_requested", view(data, admission), MANAGERS)]


def _still_waiting(admission: Admission, now: float) -> None:
    if admission.status != AdmissionStatus.WAITING:
        word = "let in" if admission.status == AdmissionStatus.ADMITTED else "turned away"
        raise Conflict("already_decided", f"That phone has already been {word}.")
    if not admission.waiting(now):
        raise Conflict(
            "admission_expired", "That request waited too long and has expired; the phone must ask again."
        )


def _joinable(data: SessionData) -> None:
    if data.session.state not in JOINABLE:
        raise Conflict("closed", "Joining is closed: the session is not open any more.")


def _decided(admission: Admission, by: str, now: float) -> Event:
    admission.decided_at = now
    admission.decided_by = by
    return Event(
        "admission_decided",
        {"id": admission.id, "status": admission.status.value, "candidate_id": admission.candidate_id},
        MANAGERS,
    )


def admit(
    data: SessionData, admission: Admission, candidate_id: str | None, by: str, now: float
) -> tuple[Candidate, bool, list[Event]]:
    """Let the phone in as `candidate_id` (one of its matches) or, with None, as a new walk-in.
    Returns the candidate, whether a phone they already held must be signed out, and the events."""
    _still_waiting(admission, now)
    _joinable(data)
    if candidate_id is None:
        if admission.asked == Asked.SECOND_DEVICE:
            raise Conflict(
                "not_a_walk_in",
                "A personal link belongs to someone on the roster: admit the phone as them, or refuse it.",
            )
        # The facilitator decides here, so a lobby locked since the request does not stop it.
        candidate = new_walk_in(data, admission.name, now)
    elif candidate_id not in admission.matches:
        raise Conflict(
            "not_a_match", "A phone can only be let in as someone whose name it gave, or as a new walk-in."
        )
    else:
        candidate = data.candidate(candidate_id)
        if candidate.status == CandidateStatus.REMOVED:
            raise Conflict("removed", f"{candidate.name} has been removed from this session.")
    replaces = candidate.status == CandidateStatus.CHECKED_IN
    # They arrived when they asked, not when the facilitator found a moment to answer.
    events = arrive(candidate, admission.requested_at, admission.requested_at)
    if replaces:
        events.append(Event("candidate_device_replaced", {"candidate_id": candidate.id}, MANAGERS))
    admission.status = AdmissionStatus.ADMITTED
    admission.candidate_id = candidate.id
    return candidate, replaces, [*events, _decided(admission, by, now)]


def refuse(data: SessionData, admission: Admission, by: str, now: float) -> list[Event]:
    """Turn the phone away; it shows that it was not let in."""
    _still_waiting(admission, now)
    _joinable(data)
    admission.status = AdmissionStatus.REFUSED
    return [_decided(admission, by, now)]
