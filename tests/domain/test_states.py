"""The session state machine, without Redis or Flask."""

from __future__ import annotations

import itertools

import pytest

from facilitator.domain.errors import Conflict
from facilitator.domain.models import Exercise, ExerciseRun, RunStatus, Session, SessionState
from facilitator.domain.states import TRANSITIONS, check_transition

S = SessionState
LEGAL = {
    (S.DRAFT, S.OPEN),
    (S.OPEN, S.DRAFT),
    (S.OPEN, S.LIVE),
    (S.LIVE, S.ENDED),
    (S.ENDED, S.REVIEW),
    (S.REVIEW, S.DECIDED),
    (S.DECIDED, S.REVIEW),
    (S.DECIDED, S.ARCHIVED),
}


def session_in(state: SessionState) -> Session:
    return Session(
        id="s1",
        title="Assessment",
        join_code="ACDEFGH",
        owner_id="u1",
        state=state,
        exercises=[Exercise(id="e1", title="Discussion")],
        created_at=0.0,
        updated_at=0.0,
    )


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_every_transition_is_allowed_or_refused_with_a_reason(
    current: SessionState, target: SessionState
) -> None:
    session = session_in(current)
    if (current, target) in LEGAL:
        check_transition(session, target)
    else:
        with pytest.raises(Conflict) as refused:
            check_transition(session, target)
        assert refused.value.message.startswith(("A session that is", "The session is already"))


def test_transition_table_matches_the_documented_lifecycle() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL


def test_refusal_names_the_states_it_could_move_to() -> None:
    with pytest.raises(Conflict) as refused:
        check_transition(session_in(S.DRAFT), S.LIVE)
    assert refused.value.code == "illegal_transition"
    assert "cannot become live" in refused.value.message
    assert "open (lobby)" in refused.value.message


def test_lobby_cannot_open_without_an_exercise() -> None:
    session = session_in(S.DRAFT)
    session.exercises = []
    with pytest.raises(Conflict, match="at least one exercise"):
        check_transition(session, S.OPEN)


def test_session_cannot_end_while_an_exercise_runs() -> None:
    session = session_in(S.LIVE)
    session.runs["e1"] = ExerciseRun(exercise_id="e1", status=RunStatus.RUNNING)
    session.current_exercise_id = "e1"
    with pytest.raises(Conflict, match="still running"):
        check_transition(session, S.ENDED)


def test_session_that_ran_exercises_cannot_go_back_to_draft() -> None:
    session = session_in(S.OPEN)
    session.runs["e1"] = ExerciseRun(exercise_id="e1", status=RunStatus.ENDED)
    with pytest.raises(Conflict, match="back to draft"):
        check_transition(session, S.DRAFT)
