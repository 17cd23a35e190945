"""Sessions whose candidates are on the roster with an email address, for the history and
feedback tests: they have personal links, and a returning candidate is recognised.

`assessed_stage` runs the same seeded session as tests/review_helpers.py (Alex and Blair
observe with the same notes, "Built on Sam's idea" among them, and submit the same SCORES),
but the candidates are roster entries who join by name, not walk-ins.
"""

from __future__ import annotations

import re
from typing import Any

import redis

from facilitator.store import users as user_store

from .builders import SessionBuilder
from .conftest import make_user
from .panel_helpers import Panel
from .review_helpers import Finished, _observe, _rate

OBSERVER_NAMES = ("Alex", "Blair")


def staff(r: redis.Redis, email: str, role: str = "observer") -> tuple[str, str]:
    """(user id, API token) of a staff account, created the first time it is asked for."""
    found = user_store.by_email(r, email)
    account = found[0] if found is not None else make_user(r, email, role)
    return account.id, user_store.issue_api_token(r, account.id)


def roster_session(
    http: Any,
    r: redis.Redis,
    token: str,
    people: list[tuple[str, str | None]],
    *,
    prefix: str = "",
    **session: Any,
) -> SessionBuilder:
    """A draft session with Alex and Blair on its panel and these people on its roster."""
    build = SessionBuilder(http, token, prefix).create(exercises=2, **session)
    for name in ("alex", "blair"):
        user_id, _ = staff(r, f"{name}@example.com")
        build.call("post", f"/sessions/{build.session_id}/panel", {"user_id": user_id}, expect=201)
    build.call(
        "post",
        f"/sessions/{build.session_id}/candidates",
        {"candidates": [{"name": name, "email": email} for name, email in people]},
        expect=201,
    )
    return build


def assessed_stage(
    http: Any,
    r: redis.Redis,
    token: str,
    people: list[tuple[str, str | None]],
    *,
    prefix: str = "",
    **session: Any,
) -> Finished:
    """Roster people check in by name; two exercises are observed and rated; the session ends."""
    build = roster_session(http, r, token, people, prefix=prefix, **session)
    observers = []
    for name in ("alex", "blair"):
        user_id, api = staff(r, f"{name}@example.com")
        observer = SessionBuilder(http, api, prefix)
        observer.session_id = build.session_id
        observers.append((observer, user_id))
    build.state("open")
    joined = [build.join(name) for name, _ in people]
    build.state("live")
    exercise_ids = [e["id"] for e in build.exercises()]
    (a, a_id), (b, b_id) = observers
    panel = Panel(build, a, b, a_id, b_id, joined, exercise_ids[0])
    finished = Finished(panel, exercise_ids, [p["candidate_id"] for p in joined])
    for exercise in range(2):
        build.call(
            "post", f"/sessions/{build.session_id}/exercises/{exercise_ids[exercise]}/start", expect=200
        )
        for candidate in range(len(people)):
            _observe(finished, exercise, candidate)
        build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_ids[exercise]}/end", expect=200)
        _rate(finished, exercise)
    build.state("ended")
    return finished


def agree(finished: Finished, candidate: int, scores: dict[str, int]) -> None:
    """Record the panel's consensus scores for one candidate (the session is in review)."""
    for competency_id, score in scores.items():
        finished.build.call(
            "post",
            f"/sessions/{finished.sid}/consensus",
            {
                "candidate_id": finished.candidate_ids[candidate],
                "competency_id": competency_id,
                "score": score,
            },
            expect=201,
        )


def decide(finished: Finished, candidate: int, outcome: str, rationale: str) -> None:
    """Record the decision for one candidate (the session is in review)."""
    finished.build.call(
        "post",
        f"/sessions/{finished.sid}/decisions",
        {"candidate_id": finished.candidate_ids[candidate], "outcome": outcome, "rationale": rationale},
        expect=201,
    )


def readable(page: str) -> str:
    """What a person reads on a page: the <main> element's text, tags dropped, spaces collapsed."""
    import html

    main = page[page.index("<main") : page.index("</main>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())
