"""Observation and rating rules, and the blind rule, on plain objects."""

from __future__ import annotations

import pytest

from facilitator.domain import evidence, exercises
from facilitator.domain.errors import Conflict, Forbidden, NotFound
from facilitator.domain.evidence import Score
from facilitator.domain.library import default_library
from facilitator.domain.models import Candidate, CandidateStatus, Exercise, Session, SessionData, SessionState


def session_with_panel(blind: bool = True) -> SessionData:
    library = {c.id: c for c in default_library()}
    data = SessionData(
        session=Session(
            id="s1",
            title="AC",
            join_code="ACDEFGH",
            owner_id="u1",
            state=SessionState.LIVE,
            blind_ratings=blind,
            competencies=[library["teamwork"], library["communication"], library["leadership"]],
            exercises=[
                Exercise(
                    id="e1", title="Tower", competency_ids=["teamwork", "communication"], duration_minutes=10
                )
            ],
            panel=["obsA", "obsB"],
            created_at=0.0,
            updated_at=0.0,
        )
    )
    for n in range(4):
        data.candidates[f"c{n}"] = Candidate(
            id=f"c{n}", name=f"P{n}", added_at=0.0, status=CandidateStatus.CHECKED_IN, checked_in_at=0.0
        )
    exercises.start_exercise(data, "e1", now=1000.0, seed=1)
    return data


def observe(data: SessionData, **overrides: object) -> evidence.Observation:
    fields: dict[str, object] = {
        "observation_id": "obs-00001",
        "exercise_id": "e1",
        "candidate_id": "c0",
        "indicator_id": "teamwork-p1",
        "competency_id": None,
        "polarity": None,
        "note": "",
        "recorded_at": None,
        "now": 1060.0,
    }
    fields.update(overrides)
    return evidence.new_observation(data, "obsA", **fields)  # type: ignore[arg-type]


def test_every_candidate_has_two_observers_from_the_panel() -> None:
    data = session_with_panel()
    run = data.session.runs["e1"]
    assert set(run.observers) == set(data.candidates)
    assert all(sorted(obs) == ["obsA", "obsB"] for obs in run.observers.values())


def test_observation_takes_competency_and_polarity_from_its_indicator_and_exercise_time() -> None:
    data = session_with_panel()
    exercises.pause_exercise(data, "e1", now=1030.0)
    exercises.resume_exercise(data, "e1", now=1100.0)
    made = observe(data, recorded_at=1120.0, now=1125.0)
    assert (made.competency_id, made.polarity) == ("teamwork", "positive")
    assert made.clock_s == 50.0  # 30 s before the pause, 20 s after it


def test_indicator_of_a_competency_the_exercise_does_not_assess_is_refused() -> None:
    with pytest.raises(Conflict) as refused:
        observe(session_with_panel(), indicator_id="leadership-p1")
    assert refused.value.code == "indicator_not_assessed"


def test_candidate_not_in_the_session_is_refused() -> None:
    with pytest.raises(NotFound):
        observe(session_with_panel(), candidate_id="stranger")


def test_observation_long_after_the_exercise_ended_is_refused() -> None:
    data = session_with_panel()
    exercises.end_exercise(data, "e1", now=1200.0)
    assert observe(data, recorded_at=1500.0, now=1500.0).clock_s == 200.0
    with pytest.raises(Conflict) as refused:
        observe(data, recorded_at=1200.0 + 3600, now=1200.0 + 3600)
    assert refused.value.code == "too_late"


def test_observation_recorded_offline_keeps_its_moment() -> None:
    data = session_with_panel()
    exercises.end_exercise(data, "e1", now=1600.0)
    late_arrival = observe(data, recorded_at=1500.0, now=1600.0 + 3600)
    assert late_arrival.clock_s == 500.0


def test_empty_observation_is_refused() -> None:
    with pytest.raises(Conflict, match="behaviour or write a note"):
        observe(session_with_panel(), indicator_id=None, note="")


def test_edit_keeps_author_only_and_bumps_the_version() -> None:
    data = session_with_panel()
    made = observe(data)
    changed = evidence.edited(
        data, made, "obsA", note="Summarised the plan", indicator_id=None, delete=False, now=1100.0
    )
    assert changed.version == 2 and changed.note == "Summarised the plan"
    with pytest.raises(NotFound):
        evidence.edited(data, made, "obsB", note="mine now", indicator_id=None, delete=False, now=1100.0)


def scores(evidence_text: str = "Asked quiet members for views") -> dict[str, Score]:
    return {
        "teamwork": Score(score=4, evidence=evidence_text),
        "communication": Score(score=3, evidence="Clear summary"),
    }


def rate(
    data: SessionData,
    given: dict[str, Score] | None = None,
    *,
    observer: str = "obsA",
    candidate: str = "c0",
    submit: bool = False,
    existing: evidence.Rating | None = None,
    now: float = 1300.0,
) -> evidence.Rating:
    """obsA (by default) rates candidate c0 in exercise e1."""
    return evidence.rate(
        data,
        observer,
        exercise_id="e1",
        candidate_id=candidate,
        scores=scores() if given is None else given,
        submit=submit,
        existing=existing,
        now=now,
    )


def test_rating_opens_when_the_exercise_ends() -> None:
    data = session_with_panel()
    with pytest.raises(Conflict, match="open when"):
        rate(data, now=1.0)


@pytest.mark.parametrize("bad", [0, 6])
def test_scores_outside_one_to_five_are_invalid(bad: int) -> None:
    with pytest.raises(ValueError):
        Score(score=bad, evidence="x")


def test_submitting_needs_every_competency_with_evidence() -> None:
    data = session_with_panel()
    exercises.end_exercise(data, "e1", now=1200.0)
    with pytest.raises(Conflict) as refused:
        rate(data, scores(""), submit=True)
    assert refused.value.code == "evidence_required"
    with pytest.raises(Conflict) as refused:
        rate(data, {"teamwork": Score(score=4, evidence="x")}, submit=True)
    assert refused.value.code == "incomplete"
    submitted = rate(data, submit=True)
    with pytest.raises(Conflict, match="locked"):
        rate(data, existing=submitted, now=1400.0)


def test_observer_rates_only_candidates_assigned_to_them() -> None:
    data = session_with_panel()
    exercises.end_exercise(data, "e1", now=1200.0)
    data.session.runs["e1"].observers["c1"] = ["obsB"]
    with pytest.raises(Forbidden):
        rate(data, candidate="c1")


@pytest.mark.parametrize(
    ("kind", "viewer", "author", "submitted", "blind", "sees"),
    [
        ("observer", "obsA", "obsA", False, True, True),  # one's own, always
        ("observer", "obsA", "obsB", False, True, False),  # another's, before submitting
        ("observer", "obsA", "obsB", True, True, True),  # another's, after submitting
        ("observer", "obsA", "obsB", False, False, True),  # the session turned blindness off
        ("manager", "lead", "obsB", False, True, True),  # facilitators see everything
        ("candidate", "c0", "obsB", True, False, False),  # candidates never
    ],
)
def test_blind_rule(kind: str, viewer: str, author: str, submitted: bool, blind: bool, sees: bool) -> None:
    data = session_with_panel(blind=blind)
    assert evidence.may_read(data.session, kind, viewer, author, submitted) is sees
