"""When candidate data is due for erasure, and what erasure leaves."""

from __future__ import annotations

from facilitator.domain.models import ExerciseRun, Group, Session, SessionState
from facilitator.domain.retention import DAY_S, due_for_erasure, erase_candidates
from facilitator.domain.states import move


def session(**fields: object) -> Session:
    base = {
        "id": "s1",
        "title": "AC",
        "join_code": "ACDEFGH",
        "owner_id": "u1",
        "created_at": 0.0,
        "updated_at": 0.0,
    }
    return Session.model_validate({**base, **fields})


def test_retention_counts_from_the_end_of_the_live_part() -> None:
    live = session(state=SessionState.LIVE)
    move(live, SessionState.ENDED, now=10 * DAY_S)
    assert live.ended_at == 10 * DAY_S
    assert not due_for_erasure(live, 180, now=(10 + 180) * DAY_S)
    assert due_for_erasure(live, 180, now=(10 + 180) * DAY_S + 1)


def test_a_session_never_ended_is_erased_after_that_long_untouched() -> None:
    abandoned = session(state=SessionState.OPEN, updated_at=5 * DAY_S)
    assert due_for_erasure(abandoned, 30, now=36 * DAY_S)


def test_erasure_keeps_the_set_up_and_forgets_the_people() -> None:
    ended = session(state=SessionState.ENDED, ended_at=0.0, panel=["obs1"])
    ended.runs["e1"] = ExerciseRun(
        exercise_id="e1", groups=[Group(id="g1", name="A", members=["c1", "c2"])], observers={"c1": ["obs1"]}
    )
    erase_candidates(ended, now=200 * DAY_S)
    assert ended.state == SessionState.ARCHIVED and ended.purged_at == 200 * DAY_S
    assert ended.runs["e1"].groups == [] and ended.runs["e1"].observers == {}
    assert ended.panel == ["obs1"]
    assert not due_for_erasure(ended, 1, now=10_000 * DAY_S)
