"""Turns for checking typed join codes: counted wrong codes per address and overall, and the
slow lanes a check waits in once an allowance is spent (see services.joining for the figures)."""

from __future__ import annotations

from dataclasses import dataclass

import redis

from . import keys
from .scripts import SETTLE_JOIN_TURN, TAKE_JOIN_TURN, Lua

EVERYONE = "all"

_TAKE = Lua(TAKE_JOIN_TURN)
_SETTLE = Lua(SETTLE_JOIN_TURN)


@dataclass(frozen=True)
class Turn:
    """When a check may run, and which allowances it used."""

    wait_s: float
    address_taken: bool
    overall_taken: bool


@dataclass(frozen=True)
class Pace:
    """Allowances of wrong codes per window, and the spacing of checks beyond them."""

    window_s: float
    per_address: int
    address_spacing_s: float
    overall: int
    overall_spacing_s: float
    longest_wait_s: float


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def take_turn(r: redis.Redis, address: str, pace: Pace) -> Turn | None:
    """Book this check's turn; None when it would wait longer than `pace.longest_wait_s`."""
    wait_ms, by_address, overall = _TAKE(
        r,
        keys=[
            keys.rate_limit("join", address),
            keys.join_lane(address),
            keys.rate_limit("join", EVERYONE),
            keys.join_lane(EVERYONE),
        ],
        args=[
            _ms(pace.window_s),
            pace.per_address,
            _ms(pace.address_spacing_s),
            pace.overall,
            _ms(pace.overall_spacing_s),
            _ms(pace.longest_wait_s),
        ],
    )
    if int(wait_ms) < 0:
        return None
    return Turn(int(wait_ms) / 1000, bool(by_address), bool(overall))


def settle(r: redis.Redis, address: str, turn: Turn, right: bool, pace: Pace) -> None:
    """Give back what a right code took, or count a wrong one checked in a lane."""
    _SETTLE(
        r,
        keys=[keys.rate_limit("join", address), keys.rate_limit("join", EVERYONE)],
        args=[
            _ms(pace.window_s),
            "1" if right else "0",
            "1" if turn.address_taken else "0",
            "1" if turn.overall_taken else "0",
        ],
    )


def wrong_codes(r: redis.Redis, address: str) -> int:
    """Wrong codes counted for an address (or EVERYONE) in the current window."""
    return int(r.get(keys.rate_limit("join", address)) or 0)
