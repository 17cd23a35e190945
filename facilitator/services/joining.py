"""Candidates joining: by code and name, or by personal link; the privacy notice; then check-in,
or a wait for the facilitator when the name or the link cannot vouch for the phone.

Typed codes are checked at a pace that bounds guessing without ever refusing a right code for
someone else's wrong ones. Each address may have `per_address` wrong codes a minute checked at
once; beyond that its checks run one at a time, `address_spacing_s` apart. Everyone together may
have `overall` wrong codes a minute checked at once; beyond that every check runs in one lane,
`overall_spacing_s` apart. A right code gives back the allowance it used. So at most
G = overall + 60 / overall_spacing_s wrong codes are checked in a minute (240 + 120 = 360 by
default), wherever they come from, and a guesser who hits any of L live codes out of S possible
ones within T minutes does so with probability at most G * T * L / S: with 10-character codes
(S = 24**10, about 6.3e13), L = 100 and T = one day, 8.2e-7. A check that would wait more than
`longest_wait_s` is turned away unchecked ("try again in a minute"): only a flood of codes from
one network, or from everywhere at once, waits that long.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import redis

from ..domain import admissions, lobby
from ..domain.admissions import AdmissionStatus
from ..domain.commands import AdmitCandidate, Join, RefuseAdmission
from ..domain.errors import Conflict, DomainError, NotFound
from ..domain.events import Event
from ..domain.ids import new_id, new_token, normalise_join_code
from ..domain.models import SessionData
from ..store import admissions as admission_store
from ..store import join_turns, unit
from ..store import sessions as session_store
from ..store.join_turns import Pace
from ..store.unit import Extra, Outcome
from ..store.users import StaffUser
from .access import require_manager

# The defaults of the pace above; each can be changed in the app's configuration.
PACE_DEFAULTS = {
    "JOIN_ATTEMPTS_PER_MINUTE": 20,  # wrong codes per address per minute checked at once
    "JOIN_ADDRESS_SPACING_S": 3.0,
    "JOIN_WRONG_CODES_PER_MINUTE": 240,  # wrong codes per minute from everyone checked at once
    "JOIN_OVERALL_SPACING_S": 0.5,
    "JOIN_LONGEST_WAIT_S": 30.0,
}

# What a phone keeps in its cookie between the join form and the privacy notice.
Pending = dict[str, Any]


class TooManyAttempts(DomainError):
    """So many codes are being tried that this one would wait too long to be checked."""

    status = 429


def pace_from(config: Mapping[str, Any]) -> Pace:
    """The pace of code checks the configuration asks for."""
    value = {name: config.get(name, default) for name, default in PACE_DEFAULTS.items()}
    return Pace(
        window_s=60.0,
        per_address=int(value["JOIN_ATTEMPTS_PER_MINUTE"]),
        address_spacing_s=float(value["JOIN_ADDRESS_SPACING_S"]),
        overall=int(value["JOIN_WRONG_CODES_PER_MINUTE"]),
        overall_spacing_s=float(value["JOIN_OVERALL_SPACING_S"]),
        longest_wait_s=float(value["JOIN_LONGEST_WAIT_S"]),
    )


def network_of(address: str) -> str:
    """The address wrong codes are counted under: an IPv6 host usually holds a whole /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def session_for_code(r: redis.Redis, code: str, client: str, pace: Pace) -> str | None:
    """The session a typed code opens, checked in its turn (see the module's docstring)."""
    address = network_of(client)
    turn = join_turns.take_turn(r, address, pace)
    if turn is None:
        raise TooManyAttempts(
            "too_many_attempts",
            "So many codes are being tried right now that yours cannot be checked yet. "
            "Wait a minute, then try again.",
        )
    if turn.wait_s > 0:
        time.sleep(turn.wait_s)  # cooperative under gevent: the process keeps serving others
    session_id = session_store.by_join_code(r, normalise_join_code(code))
    join_turns.settle(r, address, turn, session_id is not None, pace)
    return session_id


@dataclass(frozen=True)
class Started:
    """A join begun: the pending join to keep until the notice is accepted, or None when this
    phone already is the candidate (it goes straight back to its page)."""

    session_id: str
    pending: Pending | None


def _holder(r: redis.Redis, session_id: str, devices: Mapping[str, str]) -> str | None:
    """The candidate this phone's device token stands for in the session, if it holds one."""
    token = devices.get(session_id)
    found = session_store.resolve_device(r, token[:200]) if token else None
    return found[1] if found is not None and found[0] == session_id else None


def _started(r: redis.Redis, session_id: str, pending: Pending, devices: Mapping[str, str]) -> Started:
    data = unit.load(r, session_id)
    route = lobby.route_join(
        data,
        name=pending["name"],
        candidate_id=pending["candidate_id"],
        by_link=pending["by_link"],
        holder=_holder(r, session_id, devices),
    )
    return Started(session_id, None if route.kind == "continue" else pending)


def start_by_code(
    r: redis.Redis, command: Join, client: str, pace: Pace, devices: Mapping[str, str]
) -> Started:
    """Check a typed code and name, refusing at once what the session cannot take."""
    session_id = session_for_code(r, command.code, client, pace)
    if session_id is None:
        raise NotFound("unknown_code", "No session has that code. Check it against the screen and try again.")
    pending = {"session_id": session_id, "name": command.name, "candidate_id": None, "by_link": False}
    return _started(r, session_id, pending, devices)


def title_for_code(r: redis.Redis, code: str, client: str, pace: Pace) -> str | None:
    """The title of the session a QR code's link opens, shown above its join form. The code is
    checked like a typed one, so the page is no quicker way to guess codes."""
    try:
        session_id = session_for_code(r, code, client, pace)
    except TooManyAttempts:
        return None
    session = session_store.get(r, session_id) if session_id else None
    # Only a session one can join shows its title: an old code names nothing.
    return session.title if session is not None and session.state in lobby.JOINABLE else None


def start_by_link(r: redis.Redis, session_id: str, candidate_id: str, devices: Mapping[str, str]) -> Started:
    """Check a personal invite."""
    name = unit.load(r, session_id).candidate(candidate_id).name
    pending = {"session_id": session_id, "name": name, "candidate_id": candidate_id, "by_link": True}
    return _started(r, session_id, pending, devices)


@dataclass(frozen=True)
class Finished:
    """What accepting the notice led to: a check-in (with a new device token unless this phone
    already was the candidate), or a wait for the facilitator (with the phone's admission token)."""

    session_id: str
    candidate_id: str | None = None
    device_token: str | None = None
    admission_token: str | None = None
    events: list[Event] = field(default_factory=list)


def finish(r: redis.Redis, pending: Pending, devices: Mapping[str, str]) -> Finished:
    """Accepting the privacy notice checks the candidate in, or puts the phone in the queue."""
    session_id = pending["session_id"]
    holder = _holder(r, session_id, devices)
    issued: dict[str, str] = {}

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        now = time.time()
        route = lobby.route_join(
            data,
            name=pending["name"],
            candidate_id=pending.get("candidate_id"),
            by_link=bool(pending.get("by_link")),
            holder=holder,
        )
        if route.kind == "continue":
            return {"candidate_id": route.candidate_id}, []
        if route.kind == "check_in":
            candidate, events = lobby.check_in(
                data,
                name=pending["name"],
                candidate_id=pending.get("candidate_id"),
                by_link=bool(pending.get("by_link")),
                now=now,
            )
            extra.append(
                lambda pipe: issued.update(
                    device=session_store.issue_device_token(pipe, session_id, candidate.id)
                )
            )
            return {"candidate_id": candidate.id}, events
        waiting = admission_store.waiting(r, session_id, now)
        admission, events = admissions.request(data, route, pending["name"], new_id(), len(waiting), now)
        token = new_token()
        extra.append(lambda pipe: admission_store.open_request(pipe, session_id, admission, token))
        issued["admission"] = token
        return {"admission_id": admission.id}, events

    outcome = unit.change(r, session_id, decide)
    if "admission_id" in outcome.result:
        return Finished(session_id, admission_token=issued["admission"], events=outcome.events)
    return Finished(
        session_id, outcome.result["candidate_id"], device_token=issued.get("device"), events=outcome.events
    )


@dataclass(frozen=True)
class Answer:
    """What a waiting phone learns when it asks: `waiting`, `admitted` (as `candidate_id`),
    `refused`, `expired` (nobody answered in time, or the token is unknown) or `closed` (the
    session stopped taking people in while the phone waited)."""

    status: str
    session_id: str | None = None
    candidate_id: str | None = None


def answer_for(r: redis.Redis, token: str) -> Answer:
    """Where a waiting phone's request stands."""
    found = admission_store.resolve(r, token[:200])
    stored = admission_store.get(r, *found) if found is not None else None
    if found is None or stored is None:
        return Answer("expired")
    admission = stored.admission
    if admission.status == AdmissionStatus.WAITING:
        if not admission.waiting(time.time()):
            return Answer("expired", found[0])
        session = session_store.get(r, found[0])
        if session is None or session.state not in lobby.JOINABLE:
            return Answer("closed", found[0])
    return Answer(admission.status.value, found[0], admission.candidate_id)


def collected(r: redis.Redis, token: str) -> None:
    """The phone has taken its answer: the admission token opens nothing more."""
    admission_store.forget_token(r, token)


def waiting_views(r: redis.Redis, data: SessionData) -> list[dict[str, object]]:
    """The requests the control room shows, oldest first (none once joining has closed)."""
    if data.session.state not in lobby.JOINABLE:
        return []
    return [admissions.view(data, a) for a in admission_store.waiting(r, data.session.id, time.time())]


def _decide(
    r: redis.Redis,
    user: StaffUser,
    session_id: str,
    admission_id: str,
    wanted: AdmissionStatus,
    apply: Any,
    candidate_id: str | None = None,
) -> Outcome[Any]:
    stored = admission_store.get(r, session_id, admission_id)
    if stored is None:
        raise NotFound("unknown_admission", "There is no such request to be let in.")

    def decide(data: SessionData, extra: Extra) -> tuple[dict[str, Any], list[Event]]:
        require_manager(data.session, user)
        kept = stored.model_copy(deep=True)
        events = apply(data, kept, extra)
        extra.append(lambda pipe: admission_store.save(pipe, session_id, kept))
        a = kept.admission
        return {"admission_id": a.id, "status": a.status.value, "candidate_id": a.candidate_id}, events

    # One decision per request, whoever sends it and however often: two facilitators answering
    # at once get the first answer, and the second learns it was already given.
    outcome = unit.change(r, session_id, decide, request_id=f"admission:{admission_id}")
    given = outcome.result
    same = given["status"] == wanted.value and (
        wanted != AdmissionStatus.ADMITTED
        or given["candidate_id"] == candidate_id
        or (candidate_id is None and given["candidate_id"] not in stored.admission.matches)
    )
    if outcome.replayed and not same:
        word = "let in" if given["status"] == "admitted" else "turned away"
        raise Conflict("already_decided", f"That phone has already been {word}.")
    return outcome


def admit(r: redis.Redis, user: StaffUser, session_id: str, command: AdmitCandidate) -> Outcome[Any]:
    """Let a waiting phone in as one of the people it may be, or as a new walk-in; a phone the
    candidate held before is signed out (`candidate_device_replaced` closes its sockets)."""

    def apply(data: SessionData, kept: admission_store.Stored, extra: Extra) -> list[Event]:
        candidate, replaces, events = admissions.admit(
            data, kept.admission, command.candidate_id, user.id, time.time()
        )
        earlier = session_store.device_of(r, session_id, candidate.id) if replaces else None
        extra.append(
            lambda pipe: session_store.grant_device(pipe, session_id, candidate.id, kept.device_hash, earlier)
        )
        return events

    return _decide(
        r, user, session_id, command.admission_id, AdmissionStatus.ADMITTED, apply, command.candidate_id
    )


def refuse(r: redis.Redis, user: StaffUser, session_id: str, command: RefuseAdmission) -> Outcome[Any]:
    """Turn a waiting phone away."""

    def apply(data: SessionData, kept: admission_store.Stored, extra: Extra) -> list[Event]:
        return admissions.refuse(data, kept.admission, user.id, time.time())

    return _decide(r, user, session_id, command.admission_id, AdmissionStatus.REFUSED, apply)
