"""Drafting a candidate's feedback: agreed scores and library behaviours in, never notes or numbers."""

from __future__ import annotations

import re

from facilitator.domain.evidence import Observation
from facilitator.domain.feedback import assessed_competencies, draft, report_sections
from facilitator.domain.library import default_library
from facilitator.domain.models import Exercise, ExerciseRun, Session
from facilitator.domain.review import CandidateReview, ConsensusScore, FeedbackReport, FeedbackSection


def session() -> Session:
    """Teamwork and communication assessed in the exercise that ran; leadership only in one that did not."""
    library = {c.id: c for c in default_library()}
    return Session(
        id="s1",
        title="Graduate assessment centre",
        join_code="ACDEFGH",
        owner_id="u1",
        competencies=[library["teamwork"], library["communication"], library["leadership"]],
        exercises=[
            Exercise(id="e1", title="Tower", competency_ids=["teamwork", "communication"]),
            Exercise(id="e2", title="Case", competency_ids=["leadership"]),
        ],
        runs={"e1": ExerciseRun(exercise_id="e1", started_at=10.0)},
        created_at=0.0,
        updated_at=0.0,
    )


def seen(
    indicator_id: str, n: int, *, candidate: str = "c1", note: str = "", deleted: bool = False
) -> list[Observation]:
    return [
        Observation(
            id=f"{indicator_id}-{candidate}-{i}",
            exercise_id="e1",
            observer_id="alex",
            candidate_id=candidate,
            indicator_id=indicator_id,
            note=note,
            recorded_at=20.0 + i,
            clock_s=10.0 + i,
            received_at=20.0 + i,
            deleted=deleted,
        )
        for i in range(n)
    ]


def agreed(**scores: int) -> CandidateReview:
    return CandidateReview(
        candidate_id="c1",
        consensus={c: ConsensusScore(competency_id=c, score=s, by="fran", at=1.0) for c, s in scores.items()},
    )


def test_only_competencies_of_exercises_that_ran_are_drafted() -> None:
    assert [c.id for c in assessed_competencies(session())] == ["teamwork", "communication"]
    fresh = session().model_copy(update={"runs": {}})
    assert [c.id for c in assessed_competencies(fresh)] == ["teamwork", "communication", "leadership"]


def test_strengths_and_areas_follow_the_agreed_scores_and_the_behaviours_seen_most() -> None:
    observations = [
        *seen("teamwork-p2", 3, note="Asked Jo what she thought"),
        *seen("teamwork-p1", 1),
        *seen("teamwork-p3", 2),
        *seen("communication-n1", 2, note="Went on about the map"),
        *seen("communication-n2", 5, deleted=True),  # withdrawn by its observer: not evidence
        *seen("communication-n3", 4, candidate="c2"),  # someone else's
    ]
    result = draft(session(), agreed(teamwork=5, communication=2), observations)
    teamwork, communication = result.sections
    assert teamwork.strengths == (
        "Teamwork was a clear strength for you. What the panel saw you do well most often: "
        "“Invites a quieter member to give their view” and “Offers to take on a task the group needs done”. "
        "Keep doing these; they made a real difference."
    )
    assert teamwork.development == ""
    assert communication.strengths == ""
    assert communication.development == (
        "Communication is the area where you can grow most. Moments to watch for, as the panel noticed them: "
        "“Speaks at length without reaching a point”. To show it more strongly, try: "
        "“States a point in one or two clear sentences” and "
        "“Summarises the discussion so far before adding to it”."
    )
    text = str(result)
    assert "Asked Jo" not in text and "Went on about the map" not in text
    assert "alex" not in text
    assert not re.search(
        r"\d", result.introduction + "".join(s.strengths + s.development for s in result.sections)
    )


def test_without_agreed_scores_the_draft_uses_the_behaviours_alone() -> None:
    result = draft(session(), agreed(), [*seen("teamwork-p1", 1), *seen("teamwork-n1", 1)])
    teamwork, communication = result.sections
    assert (
        teamwork.strengths == "What the panel saw you do well most often: “Builds on others' ideas by name”."
    )
    assert teamwork.development == (
        "Moments to watch for, as the panel noticed them: “Interrupts others before they finish”."
    )
    assert communication.strengths == communication.development == ""
    assert result.introduction.startswith("Thank you for taking part in Graduate assessment centre.")


def test_a_report_shows_only_sections_with_text_split_into_paragraphs() -> None:
    report = FeedbackReport(
        introduction="Hello.",
        sections=[
            FeedbackSection(competency_id="teamwork", strengths="First.\n\nSecond.", development=""),
            FeedbackSection(competency_id="communication"),
        ],
        updated_by="fran",
        updated_at=1.0,
    )
    [only] = report_sections(session(), report)
    assert only.competency_name == "Teamwork"
    assert only.strengths == ["First.", "Second."]
    assert only.development == []
