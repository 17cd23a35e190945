"""View-models of the review pages: candidate summary, comparison, agreement, printable pack.

Each page reads the session and its evidence once (`services.review.open_review`), computes
the summaries once (`domain.summary.summarise_all`) and builds plain dataclasses for the
templates; no function here reads Redis per candidate. The entry points take a `Review`, so
a benchmark can time them apart from the read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ...domain.models import Session
from ...domain.review import assessed
from ...domain.summary import summarise_all
from ..review import Review
from .agreement import AgreementPage, agreement_page
from .candidate import CandidatePage, build, candidate_page
from .common import figure, heat_class, names, number, percent, weight
from .comparison import DECISION_FILTERS, CompareRequest, Comparison, comparison, parse_request

__all__ = [
    "DECISION_FILTERS",
    "AgreementPage",
    "CandidatePage",
    "CompareRequest",
    "Comparison",
    "Pack",
    "agreement_page",
    "candidate_page",
    "comparison",
    "figure",
    "heat_class",
    "names",
    "number",
    "pack",
    "parse_request",
    "percent",
    "weight",
]


@dataclass(frozen=True)
class Pack:
    """The printable pack: a cover (agreement, comparison), then one section per candidate."""

    session: Session
    agreement: AgreementPage | None
    comparison: Comparison | None
    candidates: list[CandidatePage]


def pack(review: Review, people: Mapping[str, str] | None = None, candidate_id: str | None = None) -> Pack:
    """The session's pack (every assessed candidate), or one candidate's with `candidate_id`."""
    people = people or review.observer_names
    data = review.data
    if candidate_id is not None:
        page = candidate_page(review, candidate_id, people)
        return Pack(data.session, None, None, [page])
    ids = assessed(data)
    evidence = review.evidence
    summaries = summarise_all(data.session, ids, evidence.ratings.values(), evidence.observations)
    compared = comparison(review, summaries=summaries)
    return Pack(
        session=data.session,
        agreement=agreement_page(review, people),
        comparison=compared,
        # In the comparison's order (overall rating, highest first), as the cover lists them.
        candidates=[
            build(data, c, summaries[c.id], review.review_of(c.id), people)
            for c in (row.candidate for row in compared.rows)
        ],
    )
