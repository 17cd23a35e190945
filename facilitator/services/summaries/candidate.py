"""The candidate summary page: matrix, overall ratings, agreed scores, decision and evidence.

How the ratings are computed is defined in `facilitator.domain.summary` (and quoted on the
page): a cell's mean is the mean of the observers' submitted scores; the across-exercise
rating of a competency is the mean of its cell means weighted by exercise weight; an
exercise's rating is the mean of its cell means weighted by competency weight; the overall
assessment rating is the mean of all cell means weighted by exercise weight times
competency weight. Drafts never count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ...domain.errors import NotFound
from ...domain.models import Candidate, Competency, Exercise, Session, SessionData
from ...domain.review import OUTCOME_LABELS, CandidateReview, Decision
from ...domain.summary import CandidateSummary, consensus_overall, summarise
from ..review import Review
from .common import Moment, NamedScore, moment, name_of
from .facts import Arrival, arrival, safe_link, weights_in_force

POLARITY_SIGNS = {"positive": "+", "negative": "\N{MINUS SIGN}", "neutral": "·"}


@dataclass(frozen=True)
class MatrixCell:
    """One exercise x competency: named scores, mean, spread, and whether it is flagged."""

    assessed: bool
    scores: list[NamedScore]
    mean: float | None
    spread: int | None
    flagged: bool


@dataclass(frozen=True)
class MatrixRow:
    """One exercise of the matrix, with its cells in competency order and its overall rating."""

    exercise: Exercise
    weight: float
    cells: list[MatrixCell]
    rating: float | None


@dataclass(frozen=True)
class Agreed:
    """The panel's consensus score on one competency, if recorded."""

    competency: Competency
    score: int | None
    note: str
    by: str | None
    at: Moment | None


@dataclass(frozen=True)
class DecisionView:
    """A recorded decision: outcome, why, who and when."""

    outcome: str
    label: str
    rationale: str
    by: str
    at: Moment


@dataclass(frozen=True)
class EvidenceCount:
    """How many positive and negative observations a competency has."""

    competency: Competency
    positive: int
    negative: int


@dataclass(frozen=True)
class TimelineRow:
    """One observation on its exercise's clock."""

    exercise: str
    clock: str
    observer: str
    competency: str | None
    indicator: str | None
    polarity: str
    sign: str
    note: str
    recorded: Moment


@dataclass(frozen=True)
class OutputView:
    """What one of the candidate's groups submitted."""

    exercise: str
    group: str
    text: str
    version: int
    submitted: Moment


@dataclass(frozen=True)
class QuestionView:
    """A question the candidate put to the panel, and its answer."""

    text: str
    asked: Moment
    answer: str | None


@dataclass(frozen=True)
class CandidatePage:
    """Everything the summary page (and each section of the pack) shows about one candidate."""

    session: Session
    candidate: Candidate
    arrival: Arrival
    competencies: list[Competency]
    rows: list[MatrixRow]
    competency_ratings: list[float | None]  # across exercises, in competency order
    competency_weights: list[float]
    overall: float | None
    weights: list[str]  # the weights in force as sentences; empty when all are equal
    consensus: list[Agreed]
    consensus_overall: float | None
    decision: DecisionView | None
    earlier_decisions: list[DecisionView]
    counts: list[EvidenceCount]
    timeline: list[TimelineRow]
    outputs: list[OutputView]
    questions: list[QuestionView]
    portfolio_url: str | None
    flag_count: int


def candidate_page(
    review: Review,
    candidate_id: str,
    people: Mapping[str, str] | None = None,
    summary: CandidateSummary | None = None,
) -> CandidatePage:
    """One candidate's summary page; `people` names staff (observers by default)."""
    data = review.data
    candidate = data.candidates.get(candidate_id)
    if candidate is None:
        raise NotFound("unknown_candidate", "There is no such candidate in this session.")
    if summary is None:
        evidence = review.evidence
        summary = summarise(data.session, candidate_id, evidence.ratings.values(), evidence.observations)
    return build(data, candidate, summary, review.review_of(candidate_id), people or review.observer_names)


def build(
    data: SessionData,
    candidate: Candidate,
    summary: CandidateSummary,
    record: CandidateReview,
    people: Mapping[str, str],
) -> CandidatePage:
    """The page from a summary already computed (the pack computes every summary at once)."""
    session = data.session
    competencies = list(session.competencies)
    agreed = {cid: c.score for cid, c in record.consensus.items()}
    return CandidatePage(
        session=session,
        candidate=candidate,
        arrival=arrival(session, candidate),
        competencies=competencies,
        rows=_rows(session, competencies, summary, people),
        competency_ratings=[summary.competency_ratings.get(c.id) for c in competencies],
        competency_weights=[session.competency_weight(c.id) for c in competencies],
        overall=summary.overall,
        weights=weights_in_force(session),
        consensus=[_agreed(record, c, people) for c in competencies],
        consensus_overall=consensus_overall(session, agreed) if agreed else None,
        decision=_decision(record.decision, people) if record.decision else None,
        earlier_decisions=[_decision(d, people) for d in reversed(record.decision_history)],
        counts=[EvidenceCount(c, *summary.counts.get(c.id, (0, 0))) for c in competencies],
        timeline=[
            TimelineRow(
                exercise=t.exercise_title,
                clock=t.clock,
                observer=name_of(people, t.observer_id),
                competency=t.competency_name,
                indicator=t.indicator_text,
                polarity=t.polarity,
                sign=POLARITY_SIGNS.get(t.polarity, "·"),
                note=t.note,
                recorded=moment(t.recorded_at),
            )
            for t in summary.timeline
        ],
        outputs=_outputs(data, candidate.id),
        questions=[
            QuestionView(q.text, moment(q.asked_at), q.answer)
            for q in sorted(data.questions.values(), key=lambda q: q.asked_at)
            if q.candidate_id == candidate.id
        ],
        portfolio_url=safe_link(candidate.portfolio_url),
        flag_count=len(summary.flags),
    )


def _rows(
    session: Session, competencies: list[Competency], summary: CandidateSummary, people: Mapping[str, str]
) -> list[MatrixRow]:
    rows = []
    for exercise in session.exercises:
        cells = []
        for competency in competencies:
            cell = summary.cells.get((exercise.id, competency.id))
            if cell is None:
                cells.append(MatrixCell(False, [], None, None, False))
                continue
            scores = sorted(
                (NamedScore(name_of(people, oid), s) for oid, s in cell.scores.items()),
                key=lambda n: n.observer,
            )
            cells.append(MatrixCell(True, scores, cell.mean, cell.spread, cell.flagged))
        weight = session.exercise_weight(exercise.id)
        rows.append(MatrixRow(exercise, weight, cells, summary.exercise_ratings.get(exercise.id)))
    return rows


def _agreed(record: CandidateReview, competency: Competency, people: Mapping[str, str]) -> Agreed:
    found = record.consensus.get(competency.id)
    if found is None:
        return Agreed(competency, None, "", None, None)
    return Agreed(competency, found.score, found.note, name_of(people, found.by), moment(found.at))


def _decision(decision: Decision, people: Mapping[str, str]) -> DecisionView:
    return DecisionView(
        decision.outcome.value,
        OUTCOME_LABELS[decision.outcome],
        decision.rationale,
        name_of(people, decision.by),
        moment(decision.at),
    )


def _outputs(data: SessionData, candidate_id: str) -> list[OutputView]:
    found = []
    for exercise in data.session.exercises:
        run = data.session.runs.get(exercise.id)
        group = run.group_of(candidate_id) if run else None
        if group is None:
            continue
        output = data.outputs.get(f"{exercise.id}:{group.id}")
        if output is not None:
            submitted = moment(output.submitted_at)
            found.append(OutputView(exercise.title, group.name, output.text, output.version, submitted))
    return found
