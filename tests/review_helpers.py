"""A finished session ready for review, built through the API: two observers, two exercises,
observations by both, every rating submitted (with known scores), the session ended.

Works with Flask's test client and with `requests` against the app as its own process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import redis

from .builders import SessionBuilder
from .panel_helpers import Panel, running_panel

COMPETENCIES = ("teamwork", "communication")

# Scores by (candidate number, exercise number, observer): 0 is Alex, 1 is Blair. Candidate 0
# has a 2-point disagreement on teamwork in the first exercise, so one flag is expected there.
SCORES: dict[tuple[int, int, int], dict[str, int]] = {
    (0, 0, 0): {"teamwork": 4, "communication": 3},
    (0, 0, 1): {"teamwork": 2, "communication": 3},
    (0, 1, 0): {"teamwork": 4, "communication": 4},
    (0, 1, 1): {"teamwork": 4, "communication": 5},
    (1, 0, 0): {"teamwork": 2, "communication": 2},
    (1, 0, 1): {"teamwork": 3, "communication": 2},
    (1, 1, 0): {"teamwork": 3, "communication": 2},
    (1, 1, 1): {"teamwork": 2, "communication": 3},
}


@dataclass
class Finished:
    """The session's handles, plus what was recorded, to assert against."""

    panel: Panel
    exercise_ids: list[str]
    candidate_ids: list[str]
    observations: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sid(self) -> str:
        return self.panel.sid

    @property
    def build(self) -> SessionBuilder:
        return self.panel.build

    def observer(self, number: int) -> SessionBuilder:
        """Alex (0) or Blair (1)."""
        return self.panel.a if number == 0 else self.panel.b

    def start_review(self) -> None:
        """Move the ended session into review (ratings are all in, so no confirmation needed)."""
        self.build.state("review")


def _observe(finished: Finished, exercise: int, candidate: int) -> None:
    exercise_id = finished.exercise_ids[exercise]
    candidate_id = finished.candidate_ids[candidate]
    for number, (indicator, note) in enumerate(
        (("teamwork-p1", "Built on Sam's idea"), ("communication-n1", "Talked over the chair"))
    ):
        body = {
            "id": f"obs-{exercise}-{candidate}-{number}-seeded",
            "exercise_id": exercise_id,
            "candidate_id": candidate_id,
            "indicator_id": indicator,
            "note": f"{note} (exercise {exercise + 1})",
        }
        stored = finished.observer(number).call(
            "post", f"/sessions/{finished.sid}/observations", body, expect=201
        )
        finished.observations.append(stored)


def _rate(finished: Finished, exercise: int) -> None:
    exercise_id = finished.exercise_ids[exercise]
    for candidate, candidate_id in enumerate(finished.candidate_ids):
        for number in (0, 1):
            scores = SCORES[(candidate % 2, exercise, number)]
            body = {
                "scores": {
                    c: {"score": s, "evidence": f"Seen in exercise {exercise + 1}"} for c, s in scores.items()
                },
                "submit": True,
            }
            stored = finished.observer(number).call(
                "put", f"/sessions/{finished.sid}/ratings/{exercise_id}/{candidate_id}", body, expect=200
            )
            finished.ratings.append(stored)


def finished_session(client: Any, r: redis.Redis, token: str, candidates: int = 2) -> Finished:
    """Two exercises run and rated by both observers, then the session ended (not yet in review)."""
    panel = running_panel(client, r, token, candidates=candidates, exercises=2)
    exercise_ids = [e["id"] for e in panel.build.exercises()]
    finished = Finished(panel, exercise_ids, [p["candidate_id"] for p in panel.people])
    for exercise in range(2):
        if exercise == 1:
            panel.build.call("post", f"/sessions/{panel.sid}/exercises/{exercise_ids[1]}/start", expect=200)
        for candidate in range(candidates):
            _observe(finished, exercise, candidate)
        panel.build.call("post", f"/sessions/{panel.sid}/exercises/{exercise_ids[exercise]}/end", expect=200)
        _rate(finished, exercise)
    panel.build.state("ended")
    return finished
