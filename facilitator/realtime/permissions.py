"""Who may send which event, in which session states, and at what rate: the one table.

Every event a client may send has a row here. The transport consults it: `realtime.gate`
refuses lifecycle names and applies each row's rate class before any handler runs, and the
handlers (`actions.handle`, `connection.on_resume`, `on_sync_clock`) refuse a role the row
does not name. The states column says in which session states the event can be accepted;
the domain enforces those rules itself (with its own codes, such as `not_in_review`),
because the JSON API runs the same commands without a socket. Tests hold both to this
table: tests/security/test_event_permissions.py sends every registered event from every
role, and in every session state outside its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..domain.models import SessionState

Role = Literal["manager", "observer", "candidate"]
# The rate-limit bucket an event draws on (see realtime/limits.py for their sizes).
RateClass = Literal["command", "observation", "question", "sync"]

S = SessionState
ANY_STATE = frozenset(SessionState)
LOBBY_OR_LIVE = frozenset({S.OPEN, S.LIVE})
# Evidence is written from the first exercise until the review starts.
CAPTURE = frozenset({S.LIVE, S.ENDED})
# A grouped exercise that has not ended can be rearranged while it exists; an exercise is
# first grouped in the lobby, and a session may end with a grouped one never started.
GROUPED = frozenset({S.OPEN, S.LIVE, S.ENDED, S.REVIEW, S.DECIDED, S.ARCHIVED})
SINCE_LIVE = frozenset({S.LIVE, S.ENDED, S.REVIEW, S.DECIDED, S.ARCHIVED})


@dataclass(frozen=True)
class Permission:
    """One event's row: the roles that may send it, the states it is accepted in, its rate class."""

    roles: frozenset[Role]
    states: frozenset[SessionState]
    rate: RateClass


def _row(roles: str, states: frozenset[SessionState], rate: RateClass = "command") -> Permission:
    return Permission(frozenset(roles.split()), states, rate)  # type: ignore[arg-type]


MANAGER = "manager"
CANDIDATE = "candidate"
PANEL = "manager observer"
EVERYONE = "manager observer candidate"

TABLE: dict[str, Permission] = {
    # Any role, any state: catching up and the clock.
    "resume": _row(EVERYONE, ANY_STATE, "sync"),
    "sync_clock": _row(EVERYONE, ANY_STATE, "sync"),
    # The facilitator's live controls.
    "form_groups": _row(MANAGER, LOBBY_OR_LIVE),
    "move_candidate": _row(MANAGER, GROUPED),
    "start_exercise": _row(MANAGER, frozenset({S.LIVE})),
    "pause_exercise": _row(MANAGER, frozenset({S.LIVE})),
    "resume_exercise": _row(MANAGER, frozenset({S.LIVE})),
    "extend_exercise": _row(MANAGER, frozenset({S.LIVE})),
    "end_exercise": _row(MANAGER, frozenset({S.LIVE})),
    "remove_candidate": _row(MANAGER, ANY_STATE),
    "lock_lobby": _row(MANAGER, frozenset({S.DRAFT, S.OPEN, S.LIVE})),
    "announce": _row(MANAGER, LOBBY_OR_LIVE),
    "answer_question": _row(MANAGER, ANY_STATE),
    "assign_observers": _row(MANAGER, GROUPED),
    "nudge_observer": _row(MANAGER, SINCE_LIVE),
    # The admission queue: phones a typed name or a reused link could not vouch for.
    "admit_candidate": _row(MANAGER, LOBBY_OR_LIVE),
    "refuse_admission": _row(MANAGER, LOBBY_OR_LIVE),
    # The wash-up.
    "move_washup": _row(MANAGER, frozenset({S.REVIEW})),
    "record_consensus": _row(MANAGER, frozenset({S.REVIEW})),
    "record_decision": _row(MANAGER, frozenset({S.REVIEW})),
    "reopen_rating": _row(MANAGER, frozenset({S.REVIEW})),
    # A candidate's phone.
    "ask_question": _row(CANDIDATE, LOBBY_OR_LIVE, "question"),
    "share_portfolio": _row(CANDIDATE, LOBBY_OR_LIVE),
    "submit_group_output": _row(CANDIDATE, frozenset({S.LIVE})),
    # The panel's tablets (a manager on the panel too).
    "record_observation": _row(PANEL, CAPTURE, "observation"),
    "edit_observation": _row(PANEL, CAPTURE, "observation"),
    "delete_observation": _row(PANEL, CAPTURE, "observation"),
    # Ratings open when an exercise ends; in review only a reopened rating's author rates.
    "rate_candidate": _row(PANEL, frozenset({S.LIVE, S.ENDED, S.REVIEW}), "observation"),
    "read_evidence": _row(PANEL, ANY_STATE, "observation"),
}

# Handlers the server runs itself, never for a client's event of that name.
SERVER_ONLY = frozenset({"connect", "disconnect"})
# Names a client may never send: the server's lifecycle events, Socket.IO's reserved names
# (socket.io's RESERVED_EVENTS), and the names python-socketio and Flask-SocketIO give a
# meaning to ("message" and "json" for send(), "*" for the catch-all handler).
RESERVED = SERVER_ONLY | frozenset(
    {
        "connect_error",
        "disconnecting",
        "newListener",
        "removeListener",
        "error",
        "ping",
        "pong",
        "message",
        "json",
        "*",
        "__disconnect_final",
    }
)

ROLE_NAMES: dict[str, str] = {"manager": "facilitators", "observer": "observers", "candidate": "candidates"}


def senders(event: str) -> str:
    """Who may send `event`, in words: "facilitators and observers"."""
    return " and ".join(sorted(ROLE_NAMES[r] for r in TABLE[event].roles))


def refusal(role: str, event: str) -> dict[str, Any] | None:
    """The error of an acknowledgement refusing `event` from `role`, or None when allowed."""
    row = TABLE.get(event)
    if row is None:
        return {"code": "unknown_event", "message": f"There is no event called {event!r}."}
    if role not in row.roles:
        return {"code": "forbidden", "message": f"Only {senders(event)} can send {event}."}
    return None


def rate_class(event: str) -> RateClass:
    """The bucket `event` draws on; an unknown name costs what a command costs."""
    row = TABLE.get(event)
    return row.rate if row is not None else "command"
