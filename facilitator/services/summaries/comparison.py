"""The comparison page: candidates side by side, sorted and filtered as the reviewer asks.

Sorting and filtering come from the query string, so every view is a link that works without
JavaScript and prints as it is shown. Nothing here ranks for the panel: the page says in words
what it is ordered by, and that ratings summarise evidence while people decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from ...domain.models import Candidate, Competency, Session
from ...domain.review import OUTCOME_LABELS, DecisionOutcome, assessed
from ...domain.summary import CandidateSummary, consensus_overall, summarise_all
from ..review import Review
from .common import heat_class, number, rounded

DecisionFilter = Literal["any", "offer", "next_round", "hold", "reject", "undecided"]
DECISION_FILTERS: dict[str, str] = {
    "any": "Any decision",
    **{o.value: OUTCOME_LABELS[o] for o in DecisionOutcome},
    "undecided": "Undecided",
}
RESERVED_SORTS = {"overall": "overall rating", "consensus": "consensus overall rating"}
SCORE_WORDS = {"min": "lowest", "max": "highest"}

# Profile chart geometry, in SVG user units: a label column, then 1-5 scaled onto the bar area.
CHART_LABEL = 150
CHART_POINT = 40
CHART_ROW = 26
CHART_AXIS = 20  # room under the bars for the 1-5 tick labels
CHART_WIDTH = CHART_LABEL + 5 * CHART_POINT + 40
LABEL_CHARS = 20


class CompareFilters(BaseModel):
    """Which candidates to show: by decision, and by overall rating (1-5, both ends included)."""

    decision: DecisionFilter = "any"
    min: float | None = Field(default=None, ge=1, le=5, allow_inf_nan=False)
    max: float | None = Field(default=None, ge=1, le=5, allow_inf_nan=False)


@dataclass(frozen=True)
class CompareRequest:
    """A sort (overall, consensus or a competency id), a direction and the filters."""

    sort: str = "overall"
    order: Literal["asc", "desc"] = "desc"
    filters: CompareFilters = field(default_factory=CompareFilters)


@dataclass(frozen=True)
class Bar:
    """One competency's bar in a candidate's profile chart."""

    label: str
    name: str
    value: float | None
    text: str
    y: int
    width: int
    heat: str


@dataclass(frozen=True)
class CompareRow:
    """One candidate across the comparison: ratings, agreed scores, decision, profile."""

    candidate: Candidate
    overall: float | None
    consensus_overall: float | None
    ratings: list[float | None]  # across exercises, in competency order
    consensus: list[int | None]
    decision: str | None  # outcome value
    decision_label: str
    flags: int
    bars: list[Bar]


@dataclass(frozen=True)
class Comparison:
    """The comparison page's view-model."""

    session: Session
    competencies: list[Competency]
    rows: list[CompareRow]
    request: CompareRequest
    problems: list[str]
    ordered_by: str
    total: int
    chart_height: int  # the bars' rows plus the axis labels
    chart_width: int = CHART_WIDTH
    chart_label: int = CHART_LABEL  # where the bars start
    chart_point: int = CHART_POINT  # width of one rating point
    chart_axis: int = CHART_AXIS

    @property
    def chart_bottom(self) -> int:
        """Where the bars' rows end and the tick labels begin."""
        return self.chart_height - self.chart_axis

    @property
    def filtered(self) -> bool:
        """True when some candidates are left out by the filters."""
        f = self.request.filters
        return f.decision != "any" or f.min is not None or f.max is not None

    def query(self, **changes: str | None) -> dict[str, str]:
        """Query arguments for a link to this view with some of them changed."""
        f = self.request.filters
        args: dict[str, str | None] = {
            "sort": self.request.sort,
            "order": self.request.order,
            "decision": None if f.decision == "any" else f.decision,
            "min": number(f.min) if f.min is not None else None,
            "max": number(f.max) if f.max is not None else None,
        }
        args.update(changes)
        return {k: v for k, v in args.items() if v}

    def sort_link(self, key: str) -> dict[str, str]:
        """The link a column heading makes: sort by it, or turn the direction round if it is on."""
        if key == self.request.sort:
            return self.query(sort=key, order="asc" if self.request.order == "desc" else "desc")
        return self.query(sort=key, order="desc")

    def aria_sort(self, key: str) -> str | None:
        """aria-sort for a column heading."""
        if key != self.request.sort:
            return None
        return "descending" if self.request.order == "desc" else "ascending"


def parse_request(session: Session, args: Mapping[str, str]) -> tuple[CompareRequest, list[str]]:
    """The sort and filters from a query string; a bad value is explained and left out."""
    problems: list[str] = []
    sort = (args.get("sort") or "overall").strip()
    if sort not in RESERVED_SORTS and session.competency(sort) is None:
        problems.append(f"There is no “{sort[:60]}” to sort by, so the list is ordered by overall rating.")
        sort = "overall"
    order = (args.get("order") or "desc").strip()
    if order not in ("asc", "desc"):
        problems.append("Order must be highest first or lowest first; showing highest first.")
        order = "desc"
    raw = {k: (args.get(k) or "").strip() or None for k in ("decision", "min", "max")}
    filters, filter_problems = _filters(raw)
    if filter_problems:
        problems.extend(filter_problems)
        problems.append("Showing every candidate until the filter is corrected.")
    return CompareRequest(sort, order, filters), problems  # type: ignore[arg-type]


def _filters(raw: Mapping[str, str | None]) -> tuple[CompareFilters, list[str]]:
    try:
        filters = CompareFilters.model_validate({k: v for k, v in raw.items() if v is not None})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            if name == "decision":
                problems.append(
                    f"“{str(raw['decision'])[:40]}” is not a decision to filter by: choose any, offer, "
                    "next round, hold, reject or undecided."
                )
            elif name in SCORE_WORDS:
                problems.append(
                    f"The {SCORE_WORDS[name]} overall rating must be a number from 1 to 5 "
                    f"(“{str(raw[name])[:20]}” is not)."
                )
        return CompareFilters(), problems or ["The filter could not be read."]
    if filters.min is not None and filters.max is not None and filters.min > filters.max:
        return CompareFilters(), [
            f"The lowest overall rating ({number(filters.min)}) is above the highest "
            f"({number(filters.max)}): swap them to filter."
        ]
    return filters, []


def comparison(
    review: Review,
    request: CompareRequest | None = None,
    problems: list[str] | None = None,
    summaries: Mapping[str, CandidateSummary] | None = None,
) -> Comparison:
    """Every assessed candidate, filtered and sorted; summaries are computed once if not given."""
    request = request or CompareRequest()
    data = review.data
    session = data.session
    ids = assessed(data)
    if summaries is None:
        # The comparison shows ratings only: leaving the observations out spares building
        # every candidate's timeline, most of the work in a large session.
        summaries = summarise_all(session, ids, review.evidence.ratings.values(), [])
    competencies = list(session.competencies)
    rows = [_row(session, competencies, data.candidates[cid], summaries[cid], review) for cid in ids]
    shown = [row for row in rows if _keep(row, request.filters)]
    index = {c.id: i for i, c in enumerate(competencies)}
    _sort(shown, request, index)
    return Comparison(
        session=session,
        competencies=competencies,
        rows=shown,
        request=request,
        problems=problems or [],
        ordered_by=ordered_by(request, session, [_value(row, request.sort, index) for row in shown]),
        total=len(rows),
        chart_height=max(1, len(competencies)) * CHART_ROW + CHART_AXIS,
    )


def ordered_by(request: CompareRequest, session: Session, values: list[float | None]) -> str:
    """The sentence saying what the list is ordered by, and that people decide."""
    competency = session.competency(request.sort)
    what = RESERVED_SORTS.get(request.sort) or (
        f"the across-exercise rating for {competency.name}" if competency else "overall rating"
    )
    direction = "highest first" if request.order == "desc" else "lowest first"
    tail = " Candidates without one come last." if None in values else ""
    return f"Ordered by {what}, {direction}.{tail} Ratings summarise evidence; the panel decides."


def _row(
    session: Session,
    competencies: list[Competency],
    candidate: Candidate,
    summary: CandidateSummary,
    review: Review,
) -> CompareRow:
    record = review.review_of(candidate.id)
    agreed = {cid: c.score for cid, c in record.consensus.items()}
    ratings = [summary.competency_ratings.get(c.id) for c in competencies]
    return CompareRow(
        candidate=candidate,
        overall=summary.overall,
        consensus_overall=consensus_overall(session, agreed) if agreed else None,
        ratings=ratings,
        consensus=[agreed.get(c.id) for c in competencies],
        decision=record.decision.outcome.value if record.decision else None,
        decision_label=OUTCOME_LABELS[record.decision.outcome] if record.decision else "Undecided",
        flags=len(summary.flags),
        bars=[_bar(i, c, value) for i, (c, value) in enumerate(zip(competencies, ratings, strict=True))],
    )


def _bar(index: int, competency: Competency, value: float | None) -> Bar:
    name = competency.name
    label = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1].rstrip() + "…"
    width = round(value * CHART_POINT) if value is not None else 0
    return Bar(label, name, value, number(value), index * CHART_ROW + 4, width, heat_class(value))


def _keep(row: CompareRow, filters: CompareFilters) -> bool:
    if filters.decision == "undecided" and row.decision is not None:
        return False
    if filters.decision not in ("any", "undecided") and row.decision != filters.decision:
        return False
    if filters.min is None and filters.max is None:
        return True
    if row.overall is None:
        return False
    # Compare as printed, so a candidate shown as 3.63 is kept by "at least 3.63".
    value = rounded(row.overall)
    low = filters.min is None or value >= rounded(filters.min)
    return low and (filters.max is None or value <= rounded(filters.max))


def _value(row: CompareRow, sort: str, index: Mapping[str, int]) -> float | None:
    if sort == "consensus":
        return row.consensus_overall
    return row.ratings[index[sort]] if sort in index else row.overall


def _sort(rows: list[CompareRow], request: CompareRequest, index: Mapping[str, int]) -> None:
    sign = -1.0 if request.order == "desc" else 1.0

    def key(row: CompareRow) -> tuple[bool, float, str, str]:
        value = _value(row, request.sort, index)
        # Unrated candidates last in either direction; ties by name, so the order is stable.
        return (value is None, sign * (value or 0.0), row.candidate.name.casefold(), row.candidate.id)

    rows.sort(key=key)
