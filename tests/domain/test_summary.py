"""The candidate summary on a small session whose every figure is worked out by hand below."""

from __future__ import annotations

import pytest

from facilitator.domain.evidence import Observation, Rating, RatingStatus, Score
from facilitator.domain.models import Competency, Exercise, Indicator, Polarity, Session
from facilitator.domain.summary import consensus_overall, format_clock, summarise, summarise_all

ANCHORS = ["Very weak", "Weak", "Sound", "Strong", "Outstanding"]


def competency(cid: str, name: str) -> Competency:
    """A competency with one positive and one negative behaviour."""
    return Competency(
        id=cid,
        name=name,
        anchors=ANCHORS,
        indicators=[
            Indicator(id=f"{cid}-p1", text=f"{name}: a good sign", polarity=Polarity.POSITIVE),
            Indicator(id=f"{cid}-n1", text=f"{name}: a bad sign", polarity=Polarity.NEGATIVE),
        ],
    )


def session(
    exercise_weights: dict[str, float] | None = None, competency_weights: dict[str, float] | None = None
) -> Session:
    """Tower (e1) assesses all three competencies and counts double; Case (e2) assesses two.
    Leadership counts three times, communication half."""
    return Session(
        id="s1",
        title="Graduate AC",
        join_code="ACDEFGH",
        owner_id="u1",
        competencies=[
            competency("teamwork", "Teamwork"),
            competency("communication", "Communication"),
            competency("leadership", "Leadership"),
        ],
        exercises=[
            Exercise(id="e1", title="Tower", competency_ids=["teamwork", "communication", "leadership"]),
            Exercise(id="e2", title="Case", competency_ids=["communication", "leadership"]),
        ],
        exercise_weights={"e1": 2.0} if exercise_weights is None else exercise_weights,
        competency_weights=(
            {"communication": 0.5, "leadership": 3.0} if competency_weights is None else competency_weights
        ),
        created_at=0.0,
        updated_at=0.0,
    )


def rating(
    exercise_id: str, candidate_id: str, observer_id: str, submitted: bool = True, **scores: int
) -> Rating:
    return Rating(
        exercise_id=exercise_id,
        candidate_id=candidate_id,
        observer_id=observer_id,
        scores={cid: Score(score=value, evidence="seen") for cid, value in scores.items()},
        status=RatingStatus.SUBMITTED if submitted else RatingStatus.DRAFT,
        updated_at=2000.0,
        submitted_at=2000.0 if submitted else None,
    )


RATINGS = [
    # c1, Tower: A and B submitted; C's draft of all 1s must change nothing.
    rating("e1", "c1", "obsA", teamwork=4, communication=3, leadership=2),
    rating("e1", "c1", "obsB", teamwork=5, communication=4, leadership=4),
    rating("e1", "c1", "obsC", submitted=False, teamwork=1, communication=1, leadership=1),
    # c1, Case: A and C submitted.
    rating("e2", "c1", "obsA", communication=5, leadership=4),
    rating("e2", "c1", "obsC", communication=3, leadership=4),
    # c2: one observer submitted Tower; Case has only a draft, so it has no rating at all.
    rating("e1", "c2", "obsB", teamwork=3, communication=2, leadership=5),
    rating("e2", "c2", "obsA", submitted=False, communication=5, leadership=5),
]


def observation(
    oid: str,
    exercise_id: str,
    clock_s: float,
    recorded_at: float,
    observer_id: str = "obsA",
    candidate_id: str = "c1",
    indicator_id: str | None = None,
    note: str = "",
    deleted: bool = False,
) -> Observation:
    competency_id = indicator_id.rsplit("-", 1)[0] if indicator_id else None
    polarity = "neutral"
    if indicator_id:
        polarity = "positive" if indicator_id.endswith("p1") else "negative"
    return Observation(
        id=oid,
        exercise_id=exercise_id,
        observer_id=observer_id,
        candidate_id=candidate_id,
        competency_id=competency_id,
        indicator_id=indicator_id,
        polarity=polarity,  # type: ignore[arg-type]
        note=note,
        recorded_at=recorded_at,
        clock_s=clock_s,
        received_at=recorded_at,
        deleted=deleted,
    )


OBSERVATIONS = [
    observation("o1", "e2", 30.0, 5030.0, indicator_id="communication-p1"),
    observation("o2", "e1", 125.4, 1125.0, observer_id="obsB", indicator_id="leadership-n1"),
    observation("o3", "e1", 65.0, 1070.0, observer_id="obsB", note="Quiet at first"),
    observation("o4", "e1", 65.0, 1065.0, indicator_id="teamwork-p1", note="Built on Sam's idea"),
    observation("o5", "e1", 10.0, 1010.0, indicator_id="teamwork-n1", deleted=True),
    observation("o6", "e2", 3725.0, 8725.0, observer_id="obsC", indicator_id="communication-p1"),
    observation("o7", "e1", 20.0, 1020.0, candidate_id="c2", indicator_id="leadership-p1"),
]


def test_matrix_holds_each_observers_submitted_score_with_mean_and_spread() -> None:
    summary = summarise(session(), "c1", RATINGS, OBSERVATIONS)
    assert list(summary.cells) == [
        ("e1", "teamwork"),
        ("e1", "communication"),
        ("e1", "leadership"),
        ("e2", "communication"),
        ("e2", "leadership"),
    ]
    table = {key: (cell.scores, cell.mean, cell.spread, cell.flagged) for key, cell in summary.cells.items()}
    assert table == {
        ("e1", "teamwork"): ({"obsA": 4, "obsB": 5}, (4 + 5) / 2, 1, False),
        ("e1", "communication"): ({"obsA": 3, "obsB": 4}, (3 + 4) / 2, 1, False),
        ("e1", "leadership"): ({"obsA": 2, "obsB": 4}, (2 + 4) / 2, 2, True),
        ("e2", "communication"): ({"obsA": 5, "obsC": 3}, (5 + 3) / 2, 2, True),
        ("e2", "leadership"): ({"obsA": 4, "obsC": 4}, (4 + 4) / 2, 0, False),
    }
    assert [(c.exercise_id, c.competency_id) for c in summary.flags] == [
        ("e1", "leadership"),
        ("e2", "communication"),
    ]


def test_across_exercise_ratings_are_weighted_by_exercise() -> None:
    summary = summarise(session(), "c1", RATINGS, OBSERVATIONS)
    # Tower counts 2, Case 1; teamwork is assessed in Tower only.
    assert summary.competency_ratings == pytest.approx(
        {
            "teamwork": (4.5 * 2) / 2,
            "communication": (3.5 * 2 + 4.0 * 1) / (2 + 1),
            "leadership": (3.0 * 2 + 4.0 * 1) / (2 + 1),
        }
    )


def test_exercise_ratings_are_weighted_by_competency_and_overall_by_both() -> None:
    summary = summarise(session(), "c1", RATINGS, OBSERVATIONS)
    # Teamwork counts 1, communication 0.5, leadership 3.
    assert summary.exercise_ratings == pytest.approx(
        {
            "e1": (4.5 * 1 + 3.5 * 0.5 + 3.0 * 3) / (1 + 0.5 + 3),
            "e2": (4.0 * 0.5 + 4.0 * 3) / (0.5 + 3),
        }
    )
    # Each cell weighs its exercise's weight times its competency's.
    assert summary.overall == pytest.approx(
        (4.5 * 2 * 1 + 3.5 * 2 * 0.5 + 3.0 * 2 * 3 + 4.0 * 1 * 0.5 + 4.0 * 1 * 3)
        / (2 * 1 + 2 * 0.5 + 2 * 3 + 1 * 0.5 + 1 * 3)
    )


def test_drafts_count_nowhere_and_unrated_cells_are_left_out_of_every_mean() -> None:
    summary = summarise(session(), "c2", RATINGS, OBSERVATIONS)
    assert summary.cells[("e1", "leadership")].scores == {"obsB": 5}
    assert summary.cells[("e1", "leadership")].spread == 0
    case = [summary.cells[("e2", "communication")], summary.cells[("e2", "leadership")]]
    assert [(c.scores, c.mean, c.spread, c.flagged) for c in case] == [({}, None, None, False)] * 2
    assert summary.competency_ratings == pytest.approx(
        {"teamwork": 3.0, "communication": (2 * 2) / 2, "leadership": (5 * 2) / 2}
    )
    assert summary.exercise_ratings["e2"] is None
    assert summary.exercise_ratings["e1"] == pytest.approx((3 * 1 + 2 * 0.5 + 5 * 3) / (1 + 0.5 + 3))
    assert summary.overall == pytest.approx((3 * 2 + 2 * 1 + 5 * 6) / (2 + 1 + 6))
    assert summary.flags == []


def test_counts_positive_and_negative_observations_per_competency_without_deleted_ones() -> None:
    summary = summarise(session(), "c1", RATINGS, OBSERVATIONS)
    # o5 (a deleted negative teamwork observation) and o3 (neutral note) are not counted.
    assert summary.counts == {"teamwork": (1, 0), "communication": (2, 0), "leadership": (0, 1)}


def test_timeline_follows_exercise_order_then_exercise_clock() -> None:
    summary = summarise(session(), "c1", RATINGS, OBSERVATIONS)
    assert [(e.observation_id, e.exercise_title, e.clock) for e in summary.timeline] == [
        ("o4", "Tower", "01:05"),  # same clock as o3, recorded 5 s earlier
        ("o3", "Tower", "01:05"),
        ("o2", "Tower", "02:05"),
        ("o1", "Case", "00:30"),  # Case comes after Tower whatever its clock
        ("o6", "Case", "1:02:05"),
    ]
    first, note_only = summary.timeline[0], summary.timeline[1]
    assert (first.competency_name, first.indicator_text, first.polarity, first.note) == (
        "Teamwork",
        "Teamwork: a good sign",
        "positive",
        "Built on Sam's idea",
    )
    assert (note_only.observer_id, note_only.competency_name, note_only.indicator_text) == (
        "obsB",
        None,
        None,
    )
    assert (note_only.polarity, note_only.note) == ("neutral", "Quiet at first")


def test_zero_weights_leave_a_figure_out_and_all_zero_means_no_figure() -> None:
    without_tower = summarise(session(exercise_weights={"e1": 0.0}), "c1", RATINGS, OBSERVATIONS)
    assert without_tower.competency_ratings["teamwork"] is None  # only Tower assesses it
    assert without_tower.competency_ratings["communication"] == pytest.approx(4.0)
    assert without_tower.exercise_ratings["e1"] == pytest.approx((4.5 * 1 + 3.5 * 0.5 + 3.0 * 3) / 4.5)
    assert without_tower.overall == pytest.approx((4.0 * 0.5 + 4.0 * 3) / (0.5 + 3))

    no_competency = {"teamwork": 0.0, "communication": 0.0, "leadership": 0.0}
    nothing = summarise(session(competency_weights=no_competency), "c1", RATINGS, OBSERVATIONS)
    assert nothing.exercise_ratings == {"e1": None, "e2": None}
    assert nothing.overall is None
    assert nothing.competency_ratings["teamwork"] == pytest.approx(4.5)


def test_candidate_with_no_ratings_or_observations_has_empty_figures() -> None:
    summary = summarise(session(), "c9", RATINGS, OBSERVATIONS)
    assert all(cell.mean is None and cell.scores == {} for cell in summary.cells.values())
    assert summary.competency_ratings == {"teamwork": None, "communication": None, "leadership": None}
    assert summary.exercise_ratings == {"e1": None, "e2": None}
    assert summary.overall is None
    assert summary.counts == {"teamwork": (0, 0), "communication": (0, 0), "leadership": (0, 0)}
    assert (summary.timeline, summary.flags) == ([], [])


def test_summaries_of_several_candidates_match_one_at_a_time() -> None:
    together = summarise_all(session(), ["c1", "c2", "c9"], iter(RATINGS), iter(OBSERVATIONS))
    assert list(together) == ["c1", "c2", "c9"]
    for cid, summary in together.items():
        assert summary == summarise(session(), cid, RATINGS, OBSERVATIONS)
    assert [e.observation_id for e in together["c2"].timeline] == ["o7"]


def test_consensus_overall_is_weighted_by_competency() -> None:
    agreed = {"teamwork": 4, "communication": 2, "leadership": 5}
    assert consensus_overall(session(), agreed) == pytest.approx((4 * 1 + 2 * 0.5 + 5 * 3) / (1 + 0.5 + 3))
    assert consensus_overall(session(competency_weights={"teamwork": 0.0}), {"teamwork": 4}) is None
    assert consensus_overall(session(), {}) is None


def test_clock_reads_minutes_and_seconds_and_hours_past_an_hour() -> None:
    assert [format_clock(s) for s in (0, 5.4, 59.5, 125.4, 3599.4, 3600, 3725, 36000)] == [
        "00:00",
        "00:05",
        "01:00",
        "02:05",
        "59:59",
        "1:00:00",
        "1:02:05",
        "10:00:00",
    ]
