"""Events the domain produces, and who may see each one.

An event is a fact (`exercise_started`). Its `Audience` is decided here, once, by the
code that creates the event; `broadcast` turns an audience into rooms and the replay
path uses `may_see` with the very same audience, so live pushes and replays agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Everyone = Literal["all"]


@dataclass(frozen=True)
class Audience:
    """Who receives an event: managers (facilitators, admins), observers, candidates."""

    managers: bool = True
    observers: Everyone | tuple[str, ...] = ()
    candidates: Everyone | tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form, stored beside the event in the log."""
        return {
            "managers": self.managers,
            "observers": self.observers if self.observers == "all" else list(self.observers),
            "candidates": self.candidates if self.candidates == "all" else list(self.candidates),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Audience:
        """Rebuild an audience read back from the log."""
        obs, cands = raw.get("observers", ()), raw.get("candidates", ())
        return cls(
            managers=bool(raw.get("managers", True)),
            observers="all" if obs == "all" else tuple(obs),
            candidates="all" if cands == "all" else tuple(cands),
        )


STAFF = Audience(observers="all")
MANAGERS = Audience()
EVERYONE = Audience(observers="all", candidates="all")


def to_candidates(*candidate_ids: str) -> Audience:
    """Managers plus the named candidates (and no observer)."""
    return Audience(candidates=tuple(candidate_ids))


def staff_and_candidates(*candidate_ids: str) -> Audience:
    """All staff plus the named candidates."""
    return Audience(observers="all", candidates=tuple(candidate_ids))


@dataclass(frozen=True)
class Viewer:
    """Someone connected to a session: their kind and, for people, their id."""

    kind: Literal["manager", "observer", "candidate"]
    id: str


@dataclass(frozen=True)
class Event:
    """A fact the domain produced, with its audience; `seq` is set once it is logged."""

    type: str
    data: dict[str, Any]
    audience: Audience = field(default=MANAGERS)
    seq: int | None = None
    at: float | None = None

    def envelope(self) -> dict[str, Any]:
        """What clients receive: type, sequence id, server time and the data."""
        return {"type": self.type, "seq": self.seq, "at": self.at, "data": self.data}


def may_see(audience: Audience, viewer: Viewer) -> bool:
    """True when `viewer` is in `audience`: the one rule for live pushes and replays."""
    if viewer.kind == "manager":
        return audience.managers
    if viewer.kind == "observer":
        return audience.observers == "all" or viewer.id in audience.observers
    return audience.candidates == "all" or viewer.id in audience.candidates
