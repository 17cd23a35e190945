"""Agreement figures checked against second implementations: Krippendorff's alpha against a
reference written here from Krippendorff's definition, ICC(2,1) against pingouin."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from itertools import combinations

import numpy as np
import pandas as pd
import pingouin
import pytest

from facilitator.domain import agreement
from facilitator.domain.agreement import NO_SPREAD, NOT_ENOUGH, Unit
from facilitator.domain.evidence import Rating, RatingStatus, Score
from facilitator.domain.models import Competency, Exercise, Session

Rated = dict[Unit, dict[str, int]]


def reference_alpha(rated: Mapping[Unit, Mapping[str, int]], metric: str) -> float | None:
    """Krippendorff's alpha from its definition (Krippendorff 2011, "Computing Krippendorff's
    alpha-reliability"): a coincidence matrix of pairable values, the expected coincidences
    from its marginals, and the nominal or ordinal difference function."""
    values = sorted({v for scores in rated.values() if len(scores) >= 2 for v in scores.values()})
    o = {(c, k): 0.0 for c in values for k in values}
    for scores in rated.values():
        given = list(scores.values())
        m = len(given)
        if m < 2:
            continue
        for i in range(m):
            for j in range(m):
                if i != j:
                    o[(given[i], given[j])] += 1 / (m - 1)
    n_c = {c: sum(o[(c, k)] for k in values) for c in values}
    n = sum(n_c.values())

    def delta(c: int, k: int) -> float:
        if metric == "nominal":
            return 0.0 if c == k else 1.0
        low, high = min(c, k), max(c, k)
        between = sum(n_c[g] for g in values if low <= g <= high)
        return (between - (n_c[c] + n_c[k]) / 2) ** 2

    observed = sum(o[(c, k)] * delta(c, k) for c in values for k in values)
    expected = sum(n_c[c] * n_c[k] * delta(c, k) for c in values for k in values)
    if n == 0 or expected == 0:
        return None
    return 1 - (n - 1) * observed / expected


def brute_force_rater_set(rated: Rated) -> tuple[tuple[str, ...], int]:
    """Try every set of two or more raters: most complete targets, then more raters, then ids."""
    raters = sorted({r for scores in rated.values() for r in scores})
    best: tuple[int, int, tuple[str, ...]] | None = None
    for size in range(2, len(raters) + 1):
        for chosen in combinations(raters, size):
            complete = sum(all(r in scores for r in chosen) for scores in rated.values())
            key = (-complete, -size, chosen)
            if best is None or key < best:
                best = key
    assert best is not None
    return best[2], -best[0]


def pingouin_icc2(rated: Rated, raters: tuple[str, ...]) -> float:
    """pingouin's ICC(2,1) (absolute agreement, single rater) on the same complete targets."""
    rows = [
        (str(unit), rater, float(scores[rater]))
        for unit, scores in rated.items()
        if all(r in scores for r in raters)
        for rater in raters
    ]
    long = pd.DataFrame(rows, columns=["target", "rater", "score"])
    # Its 95% intervals divide by zero on a near-perfect set; only the coefficient is compared.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        table = pingouin.intraclass_corr(data=long, targets="target", raters="rater", ratings="score")
    # pingouin names this row "ICC2" up to 0.5 and "ICC(A,1)" from 0.6 on.
    row = table[table["Type"].isin(["ICC2", "ICC(A,1)"])]
    assert len(row) == 1
    return float(row["ICC"].iloc[0])


def random_rating_set(rng: np.random.Generator) -> Rated:
    """2-5 raters, 5-40 units, 0-50% missing; scores 1-5 around each unit's own level."""
    raters = [f"obs{index}" for index in range(int(rng.integers(2, 6)))]
    unit_count = int(rng.integers(5, 41))
    missing = float(rng.uniform(0.0, 0.5))
    noise = float(rng.uniform(0.3, 2.0))
    rated: Rated = {}
    for index in range(unit_count):
        level = rng.uniform(1, 5)
        scores = {
            rater: int(np.clip(np.rint(level + rng.normal(0, noise)), 1, 5))
            for rater in raters
            if rng.random() >= missing
        }
        if scores:
            rated[(f"c{index:02d}", "e1", "teamwork")] = scores
    return rated


def test_alpha_equals_the_reference_on_random_sets_with_missing_ratings() -> None:
    rng = np.random.default_rng(20240611)
    compared = 0
    for _ in range(80):
        rated = random_rating_set(rng)
        ours, theirs = agreement.krippendorff_alpha(rated), reference_alpha(rated, "ordinal")
        if theirs is None:
            assert ours is None
            continue
        assert ours == pytest.approx(theirs, abs=1e-9)
        compared += 1
    assert compared >= 50


def test_icc_equals_pingouin_on_the_rater_set_with_the_most_complete_targets() -> None:
    rng = np.random.default_rng(1994)
    compared = 0
    for _ in range(80):
        rated = random_rating_set(rng)
        result = agreement.intraclass_correlation(rated)
        raters, complete = brute_force_rater_set(rated)
        if complete < 2:
            assert result is None
            continue
        assert result is not None
        assert (result.raters, result.targets) == (raters, complete)
        if result.value is None:
            continue
        assert result.value == pytest.approx(pingouin_icc2(rated, raters), abs=1e-9)
        compared += 1
    assert compared >= 50


def published_example() -> Rated:
    """Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers, 12 units,
    missing values as dots."""
    rows = {
        "A": "1 2 3 3 2 1 4 1 2 . . .",
        "B": "1 2 3 3 2 2 4 1 2 5 . 3",
        "C": ". 3 3 3 2 3 4 2 2 5 1 .",
        "D": "1 2 3 3 2 4 4 1 2 5 1 .",
    }
    rated: Rated = {}
    for observer, line in rows.items():
        for index, value in enumerate(line.split()):
            if value != ".":
                rated.setdefault((f"u{index + 1:02d}", "e1", "k"), {})[observer] = int(value)
    return rated


def test_alpha_matches_the_published_worked_example() -> None:
    # The paper's figures: nominal 0.743 (also the R krippendorff package's test), ordinal
    # 0.815 (as quoted in the Python krippendorff package's documentation).
    rated = published_example()
    assert round(reference_alpha(rated, "nominal") or 0, 3) == 0.743
    assert round(reference_alpha(rated, "ordinal") or 0, 3) == 0.815
    ours = agreement.krippendorff_alpha(rated)
    assert ours == pytest.approx(reference_alpha(rated, "ordinal"), abs=1e-9)
    assert round(ours or 0, 3) == 0.815


def test_alpha_and_icc_are_undefined_without_overlap_or_without_spread() -> None:
    alone: Rated = {("c1", "e1", "k"): {"A": 3}, ("c2", "e1", "k"): {"B": 5}}
    assert agreement.krippendorff_alpha(alone) is None
    assert agreement.krippendorff_alpha({}) is None
    assert agreement.intraclass_correlation(alone) is None
    same: Rated = {("c1", "e1", "k"): {"A": 3, "B": 3}, ("c2", "e1", "k"): {"A": 3, "B": 3}}
    assert agreement.krippendorff_alpha(same) is None
    assert agreement.intraclass_correlation(same) == agreement.ICCResult(None, ("A", "B"), 2)
    one_target: Rated = {("c1", "e1", "k"): {"A": 2, "B": 4}}
    assert agreement.intraclass_correlation(one_target) is None


# A hand-made set: three observers, two candidates, one exercise, two competencies.
HAND: Rated = {
    ("c1", "e1", "teamwork"): {"A": 2, "B": 4, "C": 3},
    ("c1", "e1", "communication"): {"A": 3, "B": 3},
    ("c2", "e1", "teamwork"): {"A": 5, "C": 4},
    ("c2", "e1", "communication"): {"B": 1, "C": 5},
    ("c3", "e1", "teamwork"): {"C": 2},
}


def test_pairwise_agreement_counts_exact_and_within_one_matches() -> None:
    pairs = {
        (p.observers, p.shared, p.exact, p.within_one, p.mean_difference) for p in agreement.pairwise(HAND)
    }
    assert pairs == {
        # A-B: c1 teamwork (2, 4), c1 communication (3, 3)
        (("A", "B"), 2, 1 / 2, 1 / 2, (2 + 0) / 2),
        # A-C: c1 teamwork (2, 3), c2 teamwork (5, 4)
        (("A", "C"), 2, 0 / 2, 2 / 2, (1 + 1) / 2),
        # B-C: c1 teamwork (4, 3), c2 communication (1, 5)
        (("B", "C"), 2, 0 / 2, 1 / 2, (1 + 4) / 2),
    }
    assert [p.observers for p in agreement.pairwise(HAND)] == [("A", "B"), ("A", "C"), ("B", "C")]


def test_flags_every_unit_whose_scores_differ_by_two_or_more() -> None:
    flagged = [
        (f.candidate_id, f.competency_id, f.scores, f.spread) for f in agreement.flags(session(), HAND)
    ]
    assert flagged == [
        ("c1", "teamwork", {"A": 2, "B": 4, "C": 3}, 2),
        ("c2", "communication", {"B": 1, "C": 5}, 4),
    ]


def test_plain_language_lines_follow_cicchettis_bands() -> None:
    fair = "fair agreement; look at the flagged ratings before you decide"
    poor = (
        "poor agreement; the observers read this candidate group differently: "
        "discuss the flagged ratings first"
    )
    assert agreement.describe(0.42) == f"0.42: {fair}"
    assert agreement.describe(0.81) == "0.81: excellent agreement"
    assert agreement.describe(0.75) == "0.75: excellent agreement"
    assert agreement.describe(0.7449) == "0.74: good agreement"
    assert agreement.describe(0.60) == "0.60: good agreement"
    assert agreement.describe(0.5949) == f"0.59: {fair}"
    assert agreement.describe(0.40) == f"0.40: {fair}"
    assert agreement.describe(0.3949) == f"0.39: {poor}"
    assert agreement.describe(-0.001) == f"0.00: {poor}"
    assert agreement.describe(None, measurable=False) == NOT_ENOUGH
    assert NOT_ENOUGH == (
        "Not enough overlapping ratings to measure agreement yet "
        "(each candidate needs two observers' submitted ratings)."
    )
    assert agreement.describe(None) == NO_SPREAD


def session() -> Session:
    anchors = ["1", "2", "3", "4", "5"]
    return Session(
        id="s1",
        title="AC",
        join_code="ACDEFGH",
        owner_id="u1",
        competencies=[
            Competency(id="teamwork", name="Teamwork", anchors=anchors),
            Competency(id="communication", name="Communication", anchors=anchors),
            Competency(id="leadership", name="Leadership", anchors=anchors),
        ],
        exercises=[Exercise(id="e1", title="Tower", competency_ids=["teamwork", "communication"])],
        created_at=0.0,
        updated_at=0.0,
    )


def ratings_of(rated: Rated, draft: bool = False) -> list[Rating]:
    """The hand-made set as one rating per observer, candidate and exercise."""
    grouped: dict[tuple[str, str, str], dict[str, Score]] = {}
    for (candidate, exercise, competency), scores in rated.items():
        for observer, score in scores.items():
            grouped.setdefault((exercise, candidate, observer), {})[competency] = Score(score=score)
    status = RatingStatus.DRAFT if draft else RatingStatus.SUBMITTED
    return [
        Rating(exercise_id=e, candidate_id=c, observer_id=o, scores=s, status=status, updated_at=0.0)
        for (e, c, o), s in grouped.items()
    ]


def test_report_counts_submitted_ratings_only_and_gives_figures_per_competency() -> None:
    drafts = ratings_of({("c1", "e1", "teamwork"): {"D": 1}, ("c2", "e1", "teamwork"): {"D": 1}}, draft=True)
    stray = ratings_of({("c1", "e9", "teamwork"): {"A": 1, "B": 5}})  # an exercise not in the session
    result = agreement.report(session(), ratings_of(HAND) + drafts + stray)
    assert agreement.units(ratings_of(HAND) + drafts) == HAND

    assert (result.overall.units, result.overall.ratings) == (4, 9)
    assert result.overall.alpha == pytest.approx(reference_alpha(HAND, "ordinal"), abs=1e-9)
    teamwork = result.competencies["teamwork"]
    assert (teamwork.units, teamwork.ratings) == (2, 5)
    assert teamwork.alpha == pytest.approx(
        reference_alpha({u: s for u, s in HAND.items() if u[2] == "teamwork"}, "ordinal"), abs=1e-9
    )
    assert teamwork.alpha_line == agreement.describe(teamwork.alpha)
    # Teamwork: only A and C rated both c1 and c2.
    assert teamwork.icc is not None and (teamwork.icc.raters, teamwork.icc.targets) == (("A", "C"), 2)
    # Communication: no two observers rated both candidates.
    assert result.competencies["communication"].icc is None
    assert result.competencies["communication"].icc_line == NOT_ENOUGH
    leadership = result.competencies["leadership"]  # assessed nowhere
    assert (leadership.alpha, leadership.icc, leadership.units, leadership.alpha_line) == (
        None,
        None,
        0,
        NOT_ENOUGH,
    )
    assert list(result.competencies) == ["teamwork", "communication", "leadership"]
    assert len(result.pairs) == 3 and all("D" not in p.observers for p in result.pairs)
    assert [(f.candidate_id, f.competency_id) for f in result.flags] == [
        ("c1", "teamwork"),
        ("c2", "communication"),
    ]
