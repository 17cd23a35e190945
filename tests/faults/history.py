"""A Jepsen-style history of client writes, and the check run on it against Redis afterwards.

Each write is *invoked* once (a client made it, with its own id) and then *attempted* one or
more times (sent, and resent with the same id), each attempt ending in one answer:

- `ok`: stored (`replayed` when an earlier attempt had stored it);
- `refused`: the server decided against it; nothing was stored by this attempt;
- `unavailable`: storage was not reached; nothing was stored by this attempt;
- `outcome_unknown` or `timeout` (no answer, or the connection dropped while waiting): either.

Once the run is over the test reads what Redis holds and `check` lists every broken promise.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import redis

from facilitator.store import keys

OK = "ok"
REFUSED = "refused"
UNAVAILABLE = "unavailable"
UNKNOWN = "outcome_unknown"
TIMEOUT = "timeout"
# Answers after which the write may or may not have been stored.
INDETERMINATE = frozenset({UNKNOWN, TIMEOUT})
# Answers that promise this attempt stored nothing.
NOTHING_STORED = frozenset({REFUSED, UNAVAILABLE})


@dataclass
class Attempt:
    """One send of a write, and how it ended."""

    op_id: str
    client: str
    answer: str
    replayed: bool
    code: str
    sent_at: float
    answered_at: float

    @property
    def latency(self) -> float:
        """Seconds from send to answer (or to giving up on one)."""
        return self.answered_at - self.sent_at


@dataclass
class History:
    """Every write invoked in a run and every attempt at it, in the order they happened."""

    invoked: dict[str, Any] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def invoke(self, op_id: str, value: Any) -> None:
        """A client made a write with this id (and this content, to compare with what is stored)."""
        with self.lock:
            assert op_id not in self.invoked, f"{op_id} invoked twice: ids must be fresh"
            self.invoked[op_id] = value

    def answer(
        self, op_id: str, client: str, answer: str, sent_at: float, *, replayed: bool = False, code: str = ""
    ) -> None:
        """One attempt at `op_id` ended with `answer`."""
        assert answer in (OK, REFUSED, UNAVAILABLE, UNKNOWN, TIMEOUT), answer
        with self.lock:
            self.attempts.append(
                Attempt(op_id, client, answer, replayed, code or answer, sent_at, time.monotonic())
            )

    def attempts_of(self, op_id: str) -> list[Attempt]:
        """The attempts at one write, oldest first."""
        with self.lock:
            return [a for a in self.attempts if a.op_id == op_id]

    def unsettled(self) -> list[str]:
        """Writes never answered `ok` or `refused`: their outcome is still open."""
        with self.lock:
            settled = {a.op_id for a in self.attempts if a.answer in (OK, REFUSED)}
            return [op_id for op_id in self.invoked if op_id not in settled]

    def figures(self) -> dict[str, int]:
        """Counts for the report: writes invoked and acknowledged, attempts by answer."""
        with self.lock:
            answers = Counter(a.answer for a in self.attempts)
            acknowledged = {a.op_id for a in self.attempts if a.answer == OK}
            return {
                "invoked": len(self.invoked),
                "acknowledged": len(acknowledged),
                "attempts": len(self.attempts),
                "replayed": sum(1 for a in self.attempts if a.replayed),
                # "Not now" answers other than unavailable (rate_limited, busy), among `unavailable`.
                "not_now": sum(1 for a in self.attempts if a.answer == UNAVAILABLE and a.code != UNAVAILABLE),
                **{answer: answers[answer] for answer in (REFUSED, UNAVAILABLE, UNKNOWN, TIMEOUT)},
            }

    def check(self, present: Mapping[str, int], stored: Mapping[str, Any] | None = None) -> list[str]:
        """Every broken promise, given how many times each id is present in storage (and, if
        given, the stored content of each id, compared with what was invoked)."""
        problems: list[str] = []
        with self.lock:
            by_op: dict[str, list[Attempt]] = {}
            for attempt in self.attempts:
                by_op.setdefault(attempt.op_id, []).append(attempt)
            invoked = dict(self.invoked)
        for op_id, count in present.items():
            if op_id not in invoked:
                problems.append(f"{op_id} is present but was never invoked")
            elif count != 1:
                problems.append(f"{op_id} is present {count} times")
        for op_id, value in invoked.items():
            attempts = by_op.get(op_id, [])
            count = present.get(op_id, 0)
            answers = [a.answer for a in attempts]
            if OK in answers and count != 1:
                problems.append(f"{op_id} was acknowledged ok but is present {count} times")
            if count and not any(a in (OK, *INDETERMINATE) for a in answers):
                problems.append(
                    f"{op_id} is present although every attempt said nothing was stored: {answers}"
                )
            for n, attempt in enumerate(attempts):
                # A replay means an earlier attempt stored it: that one cannot have said otherwise.
                if attempt.replayed and not any(a.answer in INDETERMINATE for a in attempts[:n]):
                    problems.append(f"{op_id} was stored by an attempt answered {answers[:n]}")
            if stored is not None and count and stored.get(op_id) != value:
                problems.append(f"{op_id} is stored as {stored.get(op_id)!r}, invoked as {value!r}")
        return problems


def logged(r: redis.Redis, session_id: str, event_type: str) -> list[dict[str, Any]]:
    """The data of every event of one type in a session's log, in sequence order."""
    entries = r.xrange(keys.events(session_id), min="-", max="+")
    bodies = (json.loads(fields["e"]) for _, fields in entries)  # type: ignore[union-attr]
    return [body["data"] for body in bodies if body["type"] == event_type]


def stored_observations(r: redis.Redis, session_id: str) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """What Redis holds of a session's observations: how many times each id was logged as
    recorded, each stored note, and any disagreement between the log, the hash and the counts."""
    present = Counter(data["id"] for data in logged(r, session_id, "observation_recorded"))
    kept = {op_id: json.loads(raw) for op_id, raw in r.hgetall(keys.observations(session_id)).items()}  # type: ignore[union-attr]
    problems = []
    if set(kept) != set(present):
        problems.append(
            f"stored without being logged, or logged without being stored: {set(kept) ^ set(present)}"
        )
    counted = sum(int(n) for n in r.hvals(keys.observation_counts(session_id)))  # type: ignore[union-attr]
    if counted != len(kept):
        problems.append(
            f"the per-candidate counts add up to {counted}, but {len(kept)} observations are stored"
        )
    return dict(present), {op_id: o["note"] for op_id, o in kept.items()}, problems
