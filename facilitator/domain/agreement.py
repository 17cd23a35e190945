"""Inter-rater agreement on the submitted ratings of a session.

A unit is one candidate x exercise x competency with the scores its observers submitted;
drafts never count. A unit rated by fewer than two observers says nothing about agreement.

- Krippendorff's alpha (ordinal) over every unit with two or more scores, computed by the
  `krippendorff` package. It is undefined when no unit has two scores, or when every such
  score is the same (no spread to compare disagreement against): then it is None.
- ICC(2,1) (Shrout & Fleiss: two-way random effects, absolute agreement, single rater)
  needs the same raters on every target. Observers rotate, so it is computed on the rater
  set (two or more observers) that rated the most units together, over those units; it
  needs at least two of them, and is None when the scores have no spread to measure.
- Pairwise agreement between observers on the units both rated, and a flag on every unit
  whose scores differ by 2 points or more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

import krippendorff
import numpy as np

from .evidence import Rating, RatingStatus
from .models import Session
from .summary import FLAG_SPREAD

Unit = tuple[str, str, str]  # candidate id, exercise id, competency id
Rated = Mapping[Unit, Mapping[str, int]]  # unit -> observer id -> score

NOT_ENOUGH = (
    "Not enough overlapping ratings to measure agreement yet "
    "(each candidate needs two observers' submitted ratings)."
)
NO_SPREAD = (
    "Agreement cannot be measured: the overlapping ratings have no spread "
    "(the figure needs candidates who were scored differently)."
)
# Plain-language bands from Cicchetti, D. V. (1994), "Guidelines, criteria, and rules of thumb
# for evaluating normed and standardized assessment instruments in psychology", Psychological
# Assessment 6(4), 284-290; used here for alpha and for the ICC alike.
BANDS: tuple[tuple[float, str], ...] = (
    (0.75, "excellent agreement"),
    (0.60, "good agreement"),
    (0.40, "fair agreement; look at the flagged ratings before you decide"),
    (
        float("-inf"),
        "poor agreement; the observers read this candidate group differently: "
        "discuss the flagged ratings first",
    ),
)


@dataclass(frozen=True)
class ICCResult:
    """ICC(2,1) on the raters who rated the most units together; value None if undefined."""

    value: float | None
    raters: tuple[str, ...]
    targets: int


@dataclass(frozen=True)
class PairAgreement:
    """How closely two observers' scores of the units they both rated match."""

    observers: tuple[str, str]
    shared: int
    exact: float  # share of shared units scored the same
    within_one: float  # share scored at most one point apart
    mean_difference: float  # mean absolute difference in points


@dataclass(frozen=True)
class Flag:
    """A unit whose observers' scores differ by FLAG_SPREAD points or more."""

    candidate_id: str
    exercise_id: str
    competency_id: str
    scores: dict[str, int]  # observer id -> score, ordered by observer id
    spread: int


@dataclass(frozen=True)
class Figures:
    """Alpha and ICC over a set of units, with a plain-language line for each."""

    alpha: float | None
    icc: ICCResult | None
    units: int  # units with two or more observers' scores
    ratings: int  # scores in those units
    alpha_line: str
    icc_line: str


@dataclass(frozen=True)
class AgreementReport:
    """A session's agreement: overall, per competency, per pair of observers, and flags."""

    overall: Figures
    competencies: dict[str, Figures]  # by competency id, in session order
    pairs: list[PairAgreement]
    flags: list[Flag]


def units(ratings: Iterable[Rating]) -> dict[Unit, dict[str, int]]:
    """Every candidate x exercise x competency with its observers' submitted scores."""
    found: dict[Unit, dict[str, int]] = defaultdict(dict)
    for rating in ratings:
        if rating.status != RatingStatus.SUBMITTED:
            continue
        for competency_id, score in rating.scores.items():
            found[(rating.candidate_id, rating.exercise_id, competency_id)][rating.observer_id] = score.score
    return dict(found)


def _pairable(rated: Rated) -> list[Mapping[str, int]]:
    return [scores for scores in rated.values() if len(scores) >= 2]


def krippendorff_alpha(rated: Rated) -> float | None:
    """Krippendorff's alpha, ordinal metric; None when nothing is pairable or nothing varies."""
    pairable = _pairable(rated)
    domain = sorted({score for scores in pairable for score in scores.values()})
    # The package raises ValueError when no unit has two scores or the domain has one value,
    # and divides zero by zero when all pairable scores are equal; both mean "undefined".
    if len(domain) < 2:
        return None
    column = {value: index for index, value in enumerate(domain)}
    counts = np.zeros((len(pairable), len(domain)), dtype=np.int64)
    for row, scores in enumerate(pairable):
        for score in scores.values():
            counts[row, column[score]] += 1
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            value = float(
                krippendorff.alpha(value_counts=counts, value_domain=domain, level_of_measurement="ordinal")
            )
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def _rater_set(rated: Rated) -> tuple[tuple[str, ...], list[Unit]]:
    """The raters (two or more) sharing the most units: most units, then most raters, then ids."""
    by_set: dict[frozenset[str], list[Unit]] = defaultdict(list)
    for unit, scores in rated.items():
        if len(scores) >= 2:
            by_set[frozenset(scores)].append(unit)
    if not by_set:
        return (), []
    # The best set is an intersection of some units' rater sets (widening a set to the
    # intersection of the units it covers keeps its units and adds raters), so only those
    # are tried: a handful in practice, where all subsets would grow as 2^raters.
    candidates = set(by_set)
    frontier = set(by_set)
    while frontier:
        grown = {a & b for a in frontier for b in by_set if len(a & b) >= 2} - candidates
        candidates |= grown
        frontier = grown

    def covered(raters: frozenset[str]) -> int:
        return sum(len(members) for rater_set, members in by_set.items() if raters <= rater_set)

    best = min(candidates, key=lambda s: (-covered(s), -len(s), sorted(s)))
    targets = [unit for rater_set, members in by_set.items() if best <= rater_set for unit in members]
    return tuple(sorted(best)), sorted(targets)


def icc_2_1(matrix: np.ndarray) -> float | None:
    """ICC(2,1) of a complete targets x raters matrix from the two-way ANOVA mean squares."""
    n, k = matrix.shape
    if n < 2 or k < 2:
        return None
    grand = matrix.mean()
    ss_targets = k * float(((matrix.mean(axis=1) - grand) ** 2).sum())
    ss_raters = n * float(((matrix.mean(axis=0) - grand) ** 2).sum())
    ss_total = float(((matrix - grand) ** 2).sum())
    ss_error = max(0.0, ss_total - ss_targets - ss_raters)
    ms_targets = ss_targets / (n - 1)
    ms_raters = ss_raters / (k - 1)
    ms_error = ss_error / ((n - 1) * (k - 1))
    denominator = ms_targets + (k - 1) * ms_error + k * (ms_raters - ms_error) / n
    # Zero when nothing varies between targets or raters (every score equal, for one):
    # the coefficient is then undefined. Integer scores keep a real one far above this.
    if denominator <= 1e-12:
        return None
    return (ms_targets - ms_error) / denominator


def intraclass_correlation(rated: Rated) -> ICCResult | None:
    """ICC(2,1) on the raters sharing the most units; None with fewer than two such units."""
    raters, targets = _rater_set(rated)
    if len(targets) < 2:
        return None
    matrix = np.array([[rated[unit][r] for r in raters] for unit in targets], dtype=np.float64)
    return ICCResult(icc_2_1(matrix), raters, len(targets))


def pairwise(rated: Rated) -> list[PairAgreement]:
    """Agreement of every pair of observers who rated at least one unit in common."""
    differences: dict[tuple[str, str], list[int]] = defaultdict(list)
    for scores in rated.values():
        for a, b in combinations(sorted(scores), 2):
            differences[(a, b)].append(abs(scores[a] - scores[b]))
    return [
        PairAgreement(
            observers=pair,
            shared=len(diffs),
            exact=sum(d == 0 for d in diffs) / len(diffs),
            within_one=sum(d <= 1 for d in diffs) / len(diffs),
            mean_difference=sum(diffs) / len(diffs),
        )
        for pair, diffs in sorted(differences.items())
    ]


def flags(session: Session, rated: Rated) -> list[Flag]:
    """Units whose scores differ by FLAG_SPREAD or more: by candidate, then session order."""
    exercise_order = {e.id: index for index, e in enumerate(session.exercises)}
    competency_order = {c.id: index for index, c in enumerate(session.competencies)}
    found: list[Flag] = []
    for (candidate_id, exercise_id, competency_id), scores in rated.items():
        spread = max(scores.values()) - min(scores.values()) if scores else 0
        if spread >= FLAG_SPREAD:
            ordered = {observer: scores[observer] for observer in sorted(scores)}
            found.append(Flag(candidate_id, exercise_id, competency_id, ordered, spread))
    last = len(exercise_order) + len(competency_order)
    found.sort(
        key=lambda f: (
            f.candidate_id,
            exercise_order.get(f.exercise_id, last),
            competency_order.get(f.competency_id, last),
            f.exercise_id,
            f.competency_id,
        )
    )
    return found


def describe(value: float | None, *, measurable: bool = True) -> str:
    """The plain-language line under a figure: its value and its band, or why there is none."""
    if value is None:
        return NO_SPREAD if measurable else NOT_ENOUGH
    shown = round(value, 2) + 0.0  # the band follows the figure as printed; no "-0.00"
    band = next(text for floor, text in BANDS if shown >= floor)
    return f"{shown:.2f}: {band}"


def figures(rated: Rated) -> Figures:
    """Alpha and ICC over these units, with their plain-language lines."""
    pairable = _pairable(rated)
    alpha = krippendorff_alpha(rated)
    icc = intraclass_correlation(rated)
    return Figures(
        alpha=alpha,
        icc=icc,
        units=len(pairable),
        ratings=sum(len(scores) for scores in pairable),
        alpha_line=describe(alpha, measurable=bool(pairable)),
        icc_line=describe(icc.value if icc else None, measurable=icc is not None),
    )


def report(session: Session, ratings: Iterable[Rating]) -> AgreementReport:
    """The session's agreement figures on the competencies its exercises assess."""
    assessed = {(e.id, cid) for e in session.exercises for cid in e.competency_ids}
    rated = {unit: scores for unit, scores in units(ratings).items() if (unit[1], unit[2]) in assessed}
    by_competency: dict[str, dict[Unit, dict[str, int]]] = defaultdict(dict)
    for unit, scores in rated.items():
        by_competency[unit[2]][unit] = scores
    return AgreementReport(
        overall=figures(rated),
        competencies={c.id: figures(by_competency.get(c.id, {})) for c in session.competencies},
        pairs=pairwise(rated),
        flags=flags(session, rated),
    )
