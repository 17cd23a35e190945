"""What every review page shares: names, instants, how a rating is printed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import redis

from ...store import users as user_store
from ..review import Review

UNKNOWN_PERSON = "a former panel member"


@dataclass(frozen=True)
class Moment:
    """An instant as the pages print it: ISO for <time datetime>, UTC text until local-time.js runs."""

    epoch: float
    iso: str
    text: str


@dataclass(frozen=True)
class NamedScore:
    """One observer's submitted score, with the observer's name."""

    observer: str
    score: int


def moment(epoch: float) -> Moment:
    """An epoch second as a Moment."""
    at = datetime.fromtimestamp(epoch, UTC)
    return Moment(epoch, at.isoformat(), at.strftime("%d %b %Y, %H:%M UTC"))


def rounded(value: float) -> Decimal:
    """A rating to two decimals, halves up (3.625 is shown as 3.63, as people round)."""
    return Decimal(repr(value + 0.0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def number(value: float | None) -> str:
    """A rating for people: at most two decimals, at least one ("3.0", "3.5", "3.25"); "—" if none."""
    if value is None:
        return "—"
    text = f"{rounded(value):.2f}"
    return text[:-1] if text.endswith("0") else text


def figure(value: float | None) -> str:
    """An agreement coefficient with two decimals, as its plain-language line prints it; "—" if none."""
    if value is None:
        return "—"
    # Rounded exactly as domain.agreement.describe rounds, so the figure and its line agree.
    return f"{round(value, 2) + 0.0:.2f}"


def listing(names: list[str]) -> str:
    """Names as a sentence: "Alex", "Alex and Blair", "Alex, Blair and Casey"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def weight(value: float) -> str:
    """A weight as people write it: "3", "1.5", "0.25"."""
    return f"{value:g}"


def percent(share: float) -> str:
    """A share (0-1) as a whole percentage, halves up ("38%" for 0.375)."""
    return f"{Decimal(repr(share * 100)).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%"


def heat_class(value: float | None) -> str:
    """The heat map's class for a rating: heat-1 .. heat-5 by the nearest whole point, heat-none."""
    if value is None:
        return "heat-none"
    return f"heat-{min(5, max(1, math.floor(value + 0.5)))}"


def names(r: redis.Redis, review: Review) -> dict[str, str]:
    """Observers' names plus whoever recorded a consensus score or decision: one lookup each."""
    found = dict(review.observer_names)
    wanted: set[str] = set()
    for record in review.evidence.reviews.values():
        wanted.update(c.by for c in record.consensus.values())
        wanted.update(c.by for c in record.consensus_history)
        wanted.update(d.by for d in record.decision_history)
        if record.decision is not None:
            wanted.add(record.decision.by)
    for user_id in sorted(wanted - set(found)):
        account = user_store.get(r, user_id)
        if account is not None:
            found[user_id] = account.name
    return found


def name_of(people: Mapping[str, str], user_id: str) -> str:
    """A staff member's name, or a plain placeholder once their account is gone."""
    return people.get(user_id, UNKNOWN_PERSON)
