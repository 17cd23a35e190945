"""Build sessions through the public API, as a facilitator's script would."""

from __future__ import annotations

from typing import Any, Protocol


class Http(Protocol):
    """The part of an HTTP client the builders use (Flask's test client or requests)."""

    def post(self, url: str, **kwargs: Any) -> Any: ...
    def get(self, url: str, **kwargs: Any) -> Any: ...


def body(response: Any) -> Any:
    """A response's JSON, for Flask and requests alike."""
    return response.get_json() if hasattr(response, "get_json") else response.json()


def status(response: Any) -> int:
    """A response's status code, for Flask and requests alike."""
    return int(response.status_code)


EXERCISE = {
    "title": "Desert survival",
    "kind": "group_discussion",
    "brief": "Rank the **fifteen** items by importance.",
    "duration_minutes": 20,
    "competency_ids": ["teamwork", "communication"],
    "group_size": 4,
    "role_briefs": [
        {"title": "Navigator", "body": "You know the **map**."},
        {"title": "Medic", "body": "You know first aid."},
        {"title": "Engineer", "body": "You can fix the truck."},
        {"title": "Scout", "body": "You saw water to the north."},
    ],
    "output_prompt": "Your group's final ranking",
}


class SessionBuilder:
    """Creates a session and drives it through the API with a bearer token."""

    def __init__(self, http: Http, token: str, prefix: str = "") -> None:
        self.http = http
        self.prefix = prefix
        self.headers = {"Authorization": f"Bearer {token}"}
        self.session_id = ""
        self.join_code = ""

    def call(self, method: str, path: str, json: Any = None, expect: int | None = None) -> Any:
        """Call the API; check the status when `expect` is given."""
        response = getattr(self.http, method)(self.prefix + "/api/v1" + path, json=json, headers=self.headers)
        if expect is not None:
            assert status(response) == expect, (status(response), body(response))
        return body(response)

    def create(self, exercises: int = 1, **overrides: Any) -> SessionBuilder:
        """A draft session assessing teamwork and communication, with exercises."""
        created = self.call(
            "post",
            "/sessions",
            {
                "title": "Graduate assessment centre",
                "role": "Graduate analyst",
                "competency_ids": ["teamwork", "communication", "leadership"],
                **overrides,
            },
            expect=201,
        )
        self.session_id, self.join_code = created["id"], created["join_code"]
        for number in range(exercises):
            self.call(
                "post",
                f"/sessions/{self.session_id}/exercises",
                {**EXERCISE, "title": f"{EXERCISE['title']} {number + 1}"},
                expect=201,
            )
        return self

    def exercises(self) -> list[dict[str, Any]]:
        """The session's exercises as set up."""
        return self.call("get", f"/sessions/{self.session_id}", expect=200)["setup"]["exercises"]  # type: ignore[no-any-return]

    def state(self, state: str, confirm: bool = False) -> Any:
        """Move the session to `state` (`confirm` goes ahead although ratings are owed)."""
        payload: dict[str, Any] = {"state": state, **({"confirm": True} if confirm else {})}
        return self.call("post", f"/sessions/{self.session_id}/state", payload, expect=200)

    def join(self, name: str) -> dict[str, Any]:
        """A candidate joins by code; returns session_id, candidate_id and device token."""
        return self.call(
            "post", "/join", {"code": self.join_code, "name": name, "accept_privacy_notice": True}, expect=201
        )  # type: ignore[no-any-return]
