"""A candidate's summary: the rating matrix, the overall ratings and the evidence timeline.

Only submitted ratings count; drafts never do. Deleted observations never appear.

Definitions (the review pages quote these):

- A cell is one exercise x one competency that the exercise assesses. Its mean is the mean
  of the observers' submitted scores; its spread is the highest score minus the lowest, and
  a spread of 2 points or more is flagged for discussion.
- The across-exercise rating of a competency is the mean of its cell means over the
  exercises that assess it, weighted by each exercise's weight.
- An exercise's overall rating is the mean of its cell means, weighted by each
  competency's weight.
- The overall assessment rating is the mean of all cell means, each weighted by its
  exercise's weight times its competency's weight.
- A cell without a submitted rating is left out of every mean. A mean whose weights are
  all zero (or that has no rated cell) is empty.

Nothing is rounded here; the pages round for display.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .evidence import Observation, ObservationPolarity, Rating, RatingStatus
from .models import Session

# A spread this large between two observers' scores of one cell is worth discussing.
FLAG_SPREAD = 2


@dataclass(frozen=True)
class Cell:
    """One exercise x competency of one candidate: every observer's submitted score."""

    exercise_id: str
    competency_id: str
    scores: dict[str, int]  # observer id -> score, ordered by observer id
    mean: float | None
    spread: int | None  # highest minus lowest score
    flagged: bool  # spread of FLAG_SPREAD points or more


@dataclass(frozen=True)
class TimelineEntry:
    """One observation of the candidate, placed on its exercise's clock."""

    exercise_id: str
    exercise_title: str
    clock_s: float
    clock: str
    observer_id: str
    competency_id: str | None
    competency_name: str | None
    indicator_id: str | None
    indicator_text: str | None
    polarity: ObservationPolarity
    note: str
    recorded_at: float
    observation_id: str


@dataclass(frozen=True)
class CandidateSummary:
    """Everything the review pages show about one candidate's ratings and evidence."""

    candidate_id: str
    cells: dict[tuple[str, str], Cell]  # (exercise id, competency id), in session order
    competency_ratings: dict[str, float | None]  # across exercises, by competency id
    exercise_ratings: dict[str, float | None]  # across competencies, by exercise id
    overall: float | None
    counts: dict[str, tuple[int, int]]  # competency id -> (positive, negative) observations
    timeline: list[TimelineEntry]
    flags: list[Cell]


def format_clock(seconds: float) -> str:
    """Exercise time as mm:ss ("07:05"), or h:mm:ss past an hour, like the observer tablet."""
    total = math.floor(abs(seconds) + 0.5)  # half up, as the tablet's Math.round does
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
    return f"-{text}" if seconds < 0 and total > 0 else text


def weighted_mean(values: Iterable[tuple[float, float]]) -> float | None:
    """Mean of (value, weight) pairs; None when there are none or every weight is zero."""
    total = weight_sum = 0.0
    for value, weight in values:
        total += value * weight
        weight_sum += weight
    return total / weight_sum if weight_sum > 0 else None


def consensus_overall(session: Session, scores: Mapping[str, int]) -> float | None:
    """Overall rating from agreed scores per competency, weighted by competency weight."""
    return weighted_mean((score, session.competency_weight(cid)) for cid, score in scores.items())


def summarise(
    session: Session, candidate_id: str, ratings: Iterable[Rating], observations: Iterable[Observation]
) -> CandidateSummary:
    """One candidate's summary from the session's ratings and observations."""
    return summarise_all(session, [candidate_id], ratings, observations)[candidate_id]


def summarise_all(
    session: Session,
    candidate_ids: Iterable[str],
    ratings: Iterable[Rating],
    observations: Iterable[Observation],
) -> dict[str, CandidateSummary]:
    """Summaries of several candidates, reading the ratings and observations once."""
    wanted = list(dict.fromkeys(candidate_ids))
    wanted_set = set(wanted)
    assessed = {(e.id, cid) for e in session.exercises for cid in e.competency_ids}
    scores: dict[str, dict[tuple[str, str], dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for rating in ratings:
        if rating.status != RatingStatus.SUBMITTED or rating.candidate_id not in wanted_set:
            continue
        for competency_id, score in rating.scores.items():
            if (rating.exercise_id, competency_id) in assessed:
                scores[rating.candidate_id][(rating.exercise_id, competency_id)][rating.observer_id] = (
                    score.score
                )
    evidence: dict[str, list[Observation]] = defaultdict(list)
    for observation in observations:
        if not observation.deleted and observation.candidate_id in wanted_set:
            evidence[observation.candidate_id].append(observation)
    lookup = _Lookup(session)
    return {cid: _summary(session, lookup, cid, scores.get(cid, {}), evidence.get(cid, [])) for cid in wanted}


class _Lookup:
    """Titles, names and order of the session's exercises, competencies and indicators."""

    def __init__(self, session: Session) -> None:
        self.exercise_order = {e.id: index for index, e in enumerate(session.exercises)}
        self.exercise_title = {e.id: e.title for e in session.exercises}
        self.competency_name = {c.id: c.name for c in session.competencies}
        self.indicator_text = {i.id: i.text for c in session.competencies for i in c.indicators}


def _cell(exercise_id: str, competency_id: str, given: Mapping[str, int]) -> Cell:
    ordered = {observer: given[observer] for observer in sorted(given)}
    values = list(ordered.values())
    if not values:
        return Cell(exercise_id, competency_id, ordered, None, None, False)
    spread = max(values) - min(values)
    return Cell(exercise_id, competency_id, ordered, sum(values) / len(values), spread, spread >= FLAG_SPREAD)


def _summary(
    session: Session,
    lookup: _Lookup,
    candidate_id: str,
    scores: Mapping[tuple[str, str], Mapping[str, int]],
    observations: list[Observation],
) -> CandidateSummary:
    cells = {
        (e.id, cid): _cell(e.id, cid, scores.get((e.id, cid), {}))
        for e in session.exercises
        for cid in e.competency_ids
    }
    rated = [(c, c.mean) for c in cells.values() if c.mean is not None]
    competency_ratings = {
        comp.id: weighted_mean(
            (mean, session.exercise_weight(c.exercise_id)) for c, mean in rated if c.competency_id == comp.id
        )
        for comp in session.competencies
    }
    exercise_ratings = {
        e.id: weighted_mean(
            (mean, session.competency_weight(c.competency_id)) for c, mean in rated if c.exercise_id == e.id
        )
        for e in session.exercises
    }
    overall = weighted_mean(
        (mean, session.exercise_weight(c.exercise_id) * session.competency_weight(c.competency_id))
        for c, mean in rated
    )
    return CandidateSummary(
        candidate_id=candidate_id,
        cells=cells,
        competency_ratings=competency_ratings,
        exercise_ratings=exercise_ratings,
        overall=overall,
        counts=_counts(session, observations),
        timeline=_timeline(lookup, observations),
        flags=[c for c in cells.values() if c.flagged],
    )


def _counts(session: Session, observations: list[Observation]) -> dict[str, tuple[int, int]]:
    positive: dict[str, int] = defaultdict(int)
    negative: dict[str, int] = defaultdict(int)
    for o in observations:
        if o.polarity == "positive" and o.competency_id is not None:
            positive[o.competency_id] += 1
        elif o.polarity == "negative" and o.competency_id is not None:
            negative[o.competency_id] += 1
    return {c.id: (positive[c.id], negative[c.id]) for c in session.competencies}


def _timeline(lookup: _Lookup, observations: list[Observation]) -> list[TimelineEntry]:
    # Evidence from an exercise the session no longer has has no clock to sit on.
    placed = [o for o in observations if o.exercise_id in lookup.exercise_order]
    placed.sort(key=lambda o: (lookup.exercise_order[o.exercise_id], o.clock_s, o.recorded_at, o.id))
    return [
        TimelineEntry(
            exercise_id=o.exercise_id,
            exercise_title=lookup.exercise_title[o.exercise_id],
            clock_s=o.clock_s,
            clock=format_clock(o.clock_s),
            observer_id=o.observer_id,
            competency_id=o.competency_id,
            competency_name=lookup.competency_name.get(o.competency_id) if o.competency_id else None,
            indicator_id=o.indicator_id,
            indicator_text=lookup.indicator_text.get(o.indicator_id) if o.indicator_id else None,
            polarity=o.polarity,
            note=o.note,
            recorded_at=o.recorded_at,
            observation_id=o.id,
        )
        for o in placed
    ]
