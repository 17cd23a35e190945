"""A session with a panel of two observers, built through the API for the panel tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis
from flask.testing import FlaskClient

from facilitator.store import users as user_store

from .builders import SessionBuilder
from .conftest import make_user


@dataclass
class Panel:
    """Handles on a running session: the facilitator's builder and each observer's API."""

    build: SessionBuilder
    a: SessionBuilder
    b: SessionBuilder
    a_id: str
    b_id: str
    people: list[dict[str, Any]]
    exercise_id: str

    @property
    def sid(self) -> str:
        return self.build.session_id

    def end(self) -> None:
        """End the running exercise."""
        self.build.call("post", f"/sessions/{self.sid}/exercises/{self.exercise_id}/end", expect=200)


def running_panel(
    client: FlaskClient, r: redis.Redis, token: str, candidates: int = 3, **session: Any
) -> Panel:
    """Two observers (both watching everyone), a few candidates, the first exercise running."""
    build = SessionBuilder(client, token).create(**session)
    observers = []
    for name in ("alex", "blair"):
        account = make_user(r, f"{name}@example.com", "observer")
        build.call("post", f"/sessions/{build.session_id}/panel", {"email": account.email}, expect=201)
        observer = SessionBuilder(client, user_store.issue_api_token(r, account.id))
        observer.session_id = build.session_id
        observers.append((observer, account.id))
    build.state("open")
    people = [build.join(f"Candidate {n}") for n in range(candidates)]
    build.state("live")
    exercise_id = build.exercises()[0]["id"]
    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/start", expect=200)
    (a, a_id), (b, b_id) = observers
    return Panel(build, a, b, a_id, b_id, people, exercise_id)
