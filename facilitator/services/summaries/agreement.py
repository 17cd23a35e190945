"""The agreement page: how closely the observers' independent ratings agree, and where not."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ...domain import agreement
from ...domain.models import Session
from ..review import Review
from .common import NamedScore, listing, name_of


@dataclass(frozen=True)
class FigureView:
    """Alpha and ICC(2,1) over one set of ratings, each with its plain-language line."""

    label: str
    alpha: float | None
    alpha_line: str
    icc: float | None
    icc_line: str
    icc_raters: list[str]  # the observers the ICC was computed on
    icc_basis: str  # which ratings the ICC was computed on, as a sentence
    icc_targets: int
    units: int
    ratings: int


@dataclass(frozen=True)
class PairView:
    """Two observers and how closely their scores of the same candidates match."""

    first: str
    second: str
    shared: int
    exact: float
    within_one: float
    mean_difference: float


@dataclass(frozen=True)
class FlagView:
    """A candidate x exercise x competency whose observers' scores differ by 2 points or more."""

    candidate_id: str
    candidate: str
    exercise: str
    competency: str
    scores: list[NamedScore]
    spread: int


@dataclass(frozen=True)
class AgreementPage:
    """The session's agreement figures, per competency, per pair of observers, and the flags."""

    session: Session
    overall: FigureView
    competencies: list[FigureView]
    pairs: list[PairView]
    flags: list[FlagView]


def agreement_page(review: Review, people: Mapping[str, str] | None = None) -> AgreementPage:
    """The agreement page for the session, on the submitted ratings."""
    people = people or review.observer_names
    session = review.data.session
    report = agreement.report(session, review.evidence.ratings.values())
    exercises = {e.id: e.title for e in session.exercises}
    competencies = {c.id: c.name for c in session.competencies}
    candidates = review.data.candidates
    return AgreementPage(
        session=session,
        overall=_figure("Every competency", report.overall, people),
        competencies=[_figure(c.name, report.competencies[c.id], people) for c in session.competencies],
        pairs=sorted((_pair(p, people) for p in report.pairs), key=lambda p: (p.first, p.second)),
        flags=sorted(
            (
                FlagView(
                    candidate_id=f.candidate_id,
                    candidate=candidates[f.candidate_id].name if f.candidate_id in candidates else "Unknown",
                    exercise=exercises.get(f.exercise_id, f.exercise_id),
                    competency=competencies.get(f.competency_id, f.competency_id),
                    scores=sorted(
                        (NamedScore(name_of(people, oid), s) for oid, s in f.scores.items()),
                        key=lambda n: n.observer,
                    ),
                    spread=f.spread,
                )
                for f in report.flags
            ),
            key=lambda flag: flag.candidate.casefold(),
        ),
    )


def _pair(pair: agreement.PairAgreement, people: Mapping[str, str]) -> PairView:
    first, second = sorted(name_of(people, observer) for observer in pair.observers)
    return PairView(first, second, pair.shared, pair.exact, pair.within_one, pair.mean_difference)


def _figure(label: str, figures: agreement.Figures, people: Mapping[str, str]) -> FigureView:
    icc = figures.icc
    raters = sorted(name_of(people, r) for r in icc.raters) if icc else []
    if icc is None:
        basis = "Needs at least two cells rated by the same two observers."
    else:
        both = "both" if len(raters) == 2 else "all of"
        basis = (
            f"On the {icc.targets} cells rated by {both} {listing(raters)}, "
            "the observers who rated the most candidates together."
        )
    return FigureView(
        label=label,
        alpha=figures.alpha,
        alpha_line=figures.alpha_line,
        icc=icc.value if icc else None,
        icc_line=figures.icc_line,
        icc_raters=raters,
        icc_basis=basis,
        icc_targets=icc.targets if icc else 0,
        units=figures.units,
        ratings=figures.ratings,
    )
