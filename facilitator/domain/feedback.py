"""Drafting a candidate's developmental feedback from what the panel agreed and observed.

The draft is the facilitator's starting point, never sent as it is. It uses only the panel's
agreed (consensus) scores and the behaviours of the competency library that observers tapped
most often. Observers' own notes, their names and their individual ratings never appear:
indicator texts are the library's wording, the same for every candidate. No numbers either,
so a score cannot be read back out of the text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .evidence import Observation
from .models import Competency, Indicator, Polarity, Session
from .review import CandidateReview, FeedbackReport

# Agreed scores at or above this are strengths; at or below DEVELOP, areas to develop.
STRENGTH = 4
DEVELOP = 3
# How many behaviours a sentence quotes: enough to be specific, few enough to read.
MOST_SEEN = 2


@dataclass(frozen=True)
class DraftSection:
    """What went well and what to develop in one competency."""

    competency_id: str
    competency_name: str
    strengths: str
    development: str


@dataclass(frozen=True)
class FeedbackDraft:
    """A report as the facilitator's form shows it: an introduction and one section per competency."""

    introduction: str
    sections: list[DraftSection]


@dataclass(frozen=True)
class ReportSection:
    """One competency of a released report, as the candidate reads it."""

    competency_name: str
    strengths: list[str]
    development: list[str]


def assessed_competencies(session: Session) -> list[Competency]:
    """The competencies the candidate was assessed on: those of the exercises that ran
    (of every exercise, before any ran), in the session's order."""
    ran = [e for e in session.exercises if (run := session.runs.get(e.id)) and run.started_at is not None]
    wanted = {cid for e in (ran or session.exercises) for cid in e.competency_ids}
    return [c for c in session.competencies if c.id in wanted]


def _quoted(indicators: list[Indicator]) -> str:
    texts = [f"“{i.text}”" for i in indicators]
    return texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} and {texts[-1]}"


def _most_seen(competency: Competency, polarity: Polarity, seen: Counter[str]) -> list[Indicator]:
    """The behaviours of one polarity seen most often (ties in the library's order)."""
    mine = [i for i in competency.indicators if i.polarity == polarity and seen[i.id] > 0]
    order = {i.id: n for n, i in enumerate(competency.indicators)}
    mine.sort(key=lambda i: (-seen[i.id], order[i.id]))
    return mine[:MOST_SEEN]


def _strengths(competency: Competency, score: int | None, positives: list[Indicator]) -> str:
    sentences = []
    if score is not None and score >= STRENGTH:
        sentences.append(f"{competency.name} was a clear strength for you.")
    if positives:
        sentences.append(f"What the panel saw you do well most often: {_quoted(positives)}.")
        if score is not None and score >= STRENGTH:
            sentences.append("Keep doing these; they made a real difference.")
    return " ".join(sentences)


def _development(
    competency: Competency, score: int | None, negatives: list[Indicator], seen: Counter[str]
) -> str:
    sentences = []
    if score is not None and score <= DEVELOP:
        sentences.append(
            f"{competency.name} is sound, with room to grow further."
            if score == DEVELOP
            else f"{competency.name} is the area where you can grow most."
        )
    if negatives:
        sentences.append(f"Moments to watch for, as the panel noticed them: {_quoted(negatives)}.")
    if score is not None and score <= DEVELOP:
        # Something to do, not only something to avoid: behaviours of the library not yet seen.
        unseen = [i for i in competency.indicators if i.polarity == Polarity.POSITIVE and seen[i.id] == 0]
        if unseen:
            sentences.append(f"To show it more strongly, try: {_quoted(unseen[:MOST_SEEN])}.")
    return " ".join(sentences)


def draft(session: Session, review: CandidateReview, observations: Iterable[Observation]) -> FeedbackDraft:
    """A first draft of a candidate's report from the consensus scores and the tapped behaviours."""
    seen: Counter[str] = Counter(
        o.indicator_id
        for o in observations
        if o.candidate_id == review.candidate_id and not o.deleted and o.indicator_id is not None
    )
    sections = []
    for competency in assessed_competencies(session):
        agreed = review.consensus.get(competency.id)
        score = agreed.score if agreed is not None else None
        positives = _most_seen(competency, Polarity.POSITIVE, seen)
        negatives = _most_seen(competency, Polarity.NEGATIVE, seen)
        sections.append(
            DraftSection(
                competency_id=competency.id,
                competency_name=competency.name,
                strengths=_strengths(competency, score, positives),
                development=_development(competency, score, negatives, seen),
            )
        )
    introduction = (
        f"Thank you for taking part in {session.title}. This report gives the panel's feedback on "
        "each competency we assessed: what you did well, and what you could develop next. It is "
        "drawn from what the panel saw you do during the exercises."
    )
    return FeedbackDraft(introduction=introduction, sections=sections)


def paragraphs(text: str) -> list[str]:
    """Text split at blank lines or line breaks into the paragraphs a reader sees."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def report_sections(session: Session, report: FeedbackReport) -> list[ReportSection]:
    """A saved report's sections with something in them, named as the session names them."""
    shown = []
    for section in report.sections:
        if not (section.strengths or section.development):
            continue
        competency = session.competency(section.competency_id)
        shown.append(
            ReportSection(
                competency_name=competency.name if competency else "Other feedback",
                strengths=paragraphs(section.strengths),
                development=paragraphs(section.development),
            )
        )
    return shown
