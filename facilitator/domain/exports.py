"""What a session's exports hold: the rows of each sheet, and the whole session as one document.

The exports show what the review pages show, for the candidates the panel assesses (checked
in, not removed):

- Only submitted ratings count. A draft is private to its author, so its scores never appear.
  A rating a facilitator reopened and its observer has not resubmitted is a draft again: its
  earlier scores no longer stand and no summary counts them, so it is left out of the sheets
  too (the Session sheet says how many are waiting); the JSON keeps its record of reopenings,
  with the scores as they were submitted, but never the new draft's.
- Deleted observations never appear.
- Times are ISO 8601 in UTC; an observation's place in its exercise is the exercise clock (mm:ss).

Which cells could be read as formulas is a question for each file format; `looks_like_formula`
is the rule they share.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from . import agreement
from .evidence import Observation, Rating, RatingStatus
from .models import SessionData
from .review import OUTCOME_LABELS, CandidateReview, assessed
from .states import LABELS
from .summary import CandidateSummary, format_clock, summarise_all

Value = str | int | float | None

SHEET_KEYS = ("summary", "observations", "ratings", "session")
POLARITY_SIGNS = {"positive": "+", "negative": "-", "neutral": "neutral"}
FORMER = "a former staff member"
# A spreadsheet reads a cell starting with one of these as a formula (OWASP's CSV injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Sheet:
    """One table of an export: its name, its columns (with widths in characters) and its rows."""

    key: str
    title: str
    header: tuple[str, ...]
    widths: tuple[int, ...]
    rows: list[tuple[Value, ...]]


@dataclass(frozen=True)
class Source:
    """Everything an export is built from, read once."""

    data: SessionData
    ratings: Mapping[str, Rating]
    observations: Sequence[Observation]
    reviews: Mapping[str, CandidateReview]
    names: Mapping[str, str]  # staff id -> name: observers, and whoever agreed or decided

    def name(self, user_id: str | None) -> str:
        """A staff member's name, or a neutral phrase for an account that no longer exists."""
        return self.names.get(user_id, FORMER) if user_id else ""

    def candidates(self) -> list[str]:
        """The candidates the panel assesses, in arrival order."""
        return assessed(self.data)

    def submitted(self) -> list[Rating]:
        """Submitted ratings of assessed candidates."""
        wanted = set(self.candidates())
        return [
            r
            for r in self.ratings.values()
            if r.status == RatingStatus.SUBMITTED and r.candidate_id in wanted
        ]

    def summaries(self) -> dict[str, CandidateSummary]:
        """Every assessed candidate's summary, as the review pages compute it."""
        return summarise_all(self.data.session, self.candidates(), self.submitted(), self.observations)

    def agreement(self) -> agreement.AgreementReport:
        """The session's agreement figures, as the agreement page computes them."""
        return agreement.report(self.data.session, self.ratings.values())


def iso(instant: float | None) -> str:
    """An epoch instant as ISO 8601 in UTC to the second ("2025-03-04T09:30:00Z"); "" for none."""
    if instant is None:
        return ""
    # time.gmtime is about twice as quick as datetime here, and an export formats thousands.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(instant))


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula (a lone + or - carries none)."""
    return len(text) > 1 and text.startswith(FORMULA_START)


def _mean(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def summary_sheet(source: Source, summaries: Mapping[str, CandidateSummary]) -> Sheet:
    """One row per candidate x competency: independent means, consensus and decision."""
    session = source.data.session
    header = (
        "Candidate",
        "Email",
        "Competency",
        "Independent mean (across exercises, weighted)",
        *(f"{e.title}: mean" for e in session.exercises),
        "Consensus score",
        "Consensus note",
        "Decision",
        "Rationale",
        "Decided by",
        "Decided at",
    )
    widths = (24, 28, 22, 18, *(14 for _ in session.exercises), 12, 40, 12, 50, 20, 21)
    rows: list[tuple[Value, ...]] = []
    for cid in source.candidates():
        person = source.data.candidates[cid]
        summary = summaries[cid]
        review = source.reviews.get(cid) or CandidateReview(candidate_id=cid)
        decision = review.decision
        for competency in session.competencies:
            agreed = review.consensus.get(competency.id)
            cells = (summary.cells.get((e.id, competency.id)) for e in session.exercises)
            rows.append(
                (
                    person.name,
                    person.email or "",
                    competency.name,
                    _mean(summary.competency_ratings.get(competency.id)),
                    *(_mean(cell.mean) if cell else None for cell in cells),
                    agreed.score if agreed else None,
                    agreed.note if agreed else "",
                    OUTCOME_LABELS[decision.outcome] if decision else "",
                    decision.rationale if decision else "",
                    source.name(decision.by) if decision else "",
                    iso(decision.at) if decision else "",
                )
            )
    return Sheet("summary", "Summary", header, widths, rows)


def observations_sheet(source: Source, summaries: Mapping[str, CandidateSummary]) -> Sheet:
    """Every observation that stands, by candidate, in exercise-clock order."""
    header = (
        "Candidate",
        "Exercise",
        "Clock",
        "Recorded at",
        "Observer",
        "Competency",
        "Indicator",
        "Polarity",
        "Note",
        "Observation id",
    )
    widths = (24, 24, 8, 21, 20, 22, 40, 9, 60, 26)
    rows: list[tuple[Value, ...]] = []
    for cid in source.candidates():
        name = source.data.candidates[cid].name
        rows.extend(
            (
                name,
                entry.exercise_title,
                entry.clock,
                iso(entry.recorded_at),
                source.name(entry.observer_id),
                entry.competency_name or "",
                entry.indicator_text or "",
                POLARITY_SIGNS[entry.polarity],
                entry.note,
                entry.observation_id,
            )
            for entry in summaries[cid].timeline
        )
    return Sheet("observations", "Observations", header, widths, rows)


def ratings_sheet(source: Source) -> Sheet:
    """One row per submitted score: candidate, exercise, observer, competency, score, evidence."""
    session = source.data.session
    header = ("Candidate", "Exercise", "Observer", "Competency", "Score", "Evidence", "Submitted at")
    widths = (24, 24, 20, 22, 7, 60, 21)
    candidate_order = {cid: n for n, cid in enumerate(source.candidates())}
    exercise_order = {e.id: n for n, e in enumerate(session.exercises)}
    competency_order = {c.id: n for n, c in enumerate(session.competencies)}
    last = len(exercise_order) + len(competency_order)
    ordered = sorted(
        source.submitted(),
        key=lambda r: (
            candidate_order[r.candidate_id],
            exercise_order.get(r.exercise_id, last),
            source.name(r.observer_id),
            r.observer_id,
        ),
    )
    titles = {e.id: e.title for e in session.exercises}
    competency_names = {c.id: c.name for c in session.competencies}
    rows: list[tuple[Value, ...]] = []
    for rating in ordered:
        # What every score of the rating shares, worked out once.
        given = (
            source.data.candidates[rating.candidate_id].name,
            titles.get(rating.exercise_id, rating.exercise_id),
            source.name(rating.observer_id),
        )
        submitted = iso(rating.submitted_at)
        scores = sorted(rating.scores.items(), key=lambda item: competency_order.get(item[0], last))
        rows.extend(
            (*given, competency_names.get(cid, cid), score.score, score.evidence, submitted)
            for cid, score in scores
        )
    return Sheet("ratings", "Ratings", header, widths, rows)


def _figure(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def session_sheet(source: Source, report: agreement.AgreementReport) -> Sheet:
    """The session's set-up, state, weights and agreement figures, one item a row."""
    session = source.data.session
    reopened = sum(1 for r in source.ratings.values() if r.status == RatingStatus.DRAFT and r.reopenings)
    rows: list[tuple[Value, ...]] = [
        ("Title", session.title, ""),
        ("Role", session.role, ""),
        ("Date", session.scheduled_start.date().isoformat() if session.scheduled_start else "", ""),
        ("Location", session.location, ""),
        ("State", LABELS[session.state], ""),
        ("Live part ended at", iso(session.ended_at), ""),
        ("Candidates assessed", len(source.candidates()), "checked in and not removed"),
        ("Ratings submitted", len(source.submitted()), "drafts are private to their authors"),
        (
            "Ratings reopened, not yet resubmitted",
            reopened,
            "left out of every sheet until the observer submits them again",
        ),
    ]
    rows += [(f"Weight of exercise: {e.title}", session.exercise_weight(e.id), "") for e in session.exercises]
    rows += [
        (f"Weight of competency: {c.name}", session.competency_weight(c.id), "") for c in session.competencies
    ]
    scopes = [("all competencies", report.overall)] + [
        (c.name, report.competencies[c.id]) for c in session.competencies if c.id in report.competencies
    ]
    for scope, figures in scopes:
        rows.append((f"Krippendorff's alpha (ordinal), {scope}", _figure(figures.alpha), figures.alpha_line))
        icc = figures.icc.value if figures.icc else None
        rows.append((f"ICC(2,1), {scope}", _figure(icc), figures.icc_line))
    rows.append(("Ratings flagged (2 points or more apart)", len(report.flags), ""))
    return Sheet("session", "Session", ("Item", "Value", "Meaning"), (44, 40, 80), rows)


def sheets(source: Source) -> list[Sheet]:
    """Every sheet of the workbook, in order: Summary, Observations, Ratings, Session."""
    summaries = source.summaries()
    report = source.agreement()
    return [
        summary_sheet(source, summaries),
        observations_sheet(source, summaries),
        ratings_sheet(source),
        session_sheet(source, report),
    ]


def sheet(source: Source, key: str) -> Sheet:
    """One sheet by its key (summary, observations, ratings or session)."""
    if key == "ratings":
        return ratings_sheet(source)
    if key == "session":
        return session_sheet(source, source.agreement())
    summaries = source.summaries()
    return summary_sheet(source, summaries) if key == "summary" else observations_sheet(source, summaries)


def _iso_times(value: Any, key: str = "") -> Any:
    """Instants (fields named at or *_at, and run segments) as ISO text, everything else as is."""
    if isinstance(value, dict):
        return {k: _iso_times(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if key == "segments":
            return [[iso(start), iso(end) if end is not None else None] for start, end in value]
        return [_iso_times(v) for v in value]
    if (
        (key == "at" or key.endswith("_at"))
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return iso(value)
    return value


def _rating_record(rating: Rating) -> dict[str, Any]:
    record = rating.model_dump(mode="json")
    if rating.status == RatingStatus.DRAFT:
        # Reopened and not resubmitted: the scores as submitted are in its reopenings; the new
        # draft's are its author's alone.
        record.update(status="reopened", scores={})
    return record


def document(source: Source, report: agreement.AgreementReport, now: float) -> dict[str, Any]:
    """The whole session for another system: set-up, roster, runs, evidence, reviews, agreement.

    No secrets (join code, invite nonce; candidates' links and device tokens live elsewhere),
    no draft scores, no deleted observations.
    """
    data = source.data
    session = data.session
    setup = session.model_dump(mode="json", exclude={"join_code", "panel_invite_nonce", "runs"})
    observations = [
        {**o.model_dump(mode="json"), "clock": format_clock(o.clock_s)}
        for o in source.observations
        if not o.deleted
    ]
    ratings = [
        _rating_record(r)
        for r in sorted(source.ratings.values(), key=lambda r: r.key)
        if r.status == RatingStatus.SUBMITTED or r.reopenings
    ]
    order = list(data.candidates)
    reviews = sorted(source.reviews.values(), key=lambda v: (v.candidate_id not in order, v.candidate_id))
    return _iso_times(
        {
            "export": {"format": "facilitator-session", "version": 1, "exported_at": now},
            "session": {**setup, "state_label": LABELS[session.state]},
            "people": {uid: name for uid, name in sorted(source.names.items())},
            "candidates": [c.model_dump(mode="json") for c in data.candidates.values()],
            "runs": [
                session.runs[e.id].model_dump(mode="json") for e in session.exercises if e.id in session.runs
            ],
            "questions": [q.model_dump(mode="json") for q in data.questions.values()],
            "group_outputs": [o.model_dump(mode="json") for o in data.outputs.values()],
            "observations": observations,
            "ratings": ratings,
            "reviews": [v.model_dump(mode="json") for v in reviews],
            "agreement": asdict(report),
        }
    )
