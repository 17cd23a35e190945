"""What the facilitator's feedback pages read, and what a candidate may read of it.

Writing, releasing and withdrawing a report are operations of `services.review`; this module
gathers what the form needs (the saved report, a draft from the evidence, the figures the
draft drew on) and answers the candidate's own link with the report only once released.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import redis

from ..domain import feedback as drafting
from ..domain.errors import NotFound
from ..domain.models import Candidate, CandidateStatus, Competency, SessionData
from ..domain.review import CandidateReview, FeedbackReport
from ..store import review as review_store
from ..store import sessions as session_store
from ..store import unit
from ..store.users import StaffUser
from . import review
from .access import require_manager


@dataclass(frozen=True)
class Basis:
    """What a section's draft drew on, shown to the facilitator beside the form."""

    competency: Competency
    consensus: int | None
    positive: int
    negative: int


@dataclass(frozen=True)
class FeedbackPage:
    """One candidate's feedback as the facilitator edits it."""

    data: SessionData
    candidate: Candidate
    record: CandidateReview
    draft: drafting.FeedbackDraft
    basis: list[Basis]
    invite_token: str | None

    @property
    def report(self) -> FeedbackReport | None:
        """The saved report, if any (released or not)."""
        return self.record.feedback


def open_feedback(
    r: redis.Redis, user: StaffUser, session_id: str, candidate_id: str, secret: str
) -> FeedbackPage:
    """The saved report, a draft from the evidence and its basis, for the session's facilitators."""
    data = unit.load(r, session_id)
    require_manager(data.session, user)
    candidate = data.candidate(candidate_id)
    found = review_store.load(r, session_id)
    record = found.reviews.get(candidate_id) or CandidateReview(candidate_id=candidate_id)
    mine = [o for o in found.observations if o.candidate_id == candidate_id and not o.deleted]
    seen = Counter(o.indicator_id for o in mine if o.indicator_id)
    basis = []
    for competency in drafting.assessed_competencies(data.session):
        polarity = {i.id: i.polarity.value for i in competency.indicators}
        agreed = record.consensus.get(competency.id)
        basis.append(
            Basis(
                competency=competency,
                consensus=agreed.score if agreed else None,
                positive=sum(n for iid, n in seen.items() if polarity.get(iid) == "positive"),
                negative=sum(n for iid, n in seen.items() if polarity.get(iid) == "negative"),
            )
        )
    return FeedbackPage(
        data=data,
        candidate=candidate,
        record=record,
        draft=drafting.draft(data.session, record, mine),
        basis=basis,
        invite_token=session_store.invite_tokens(r, session_id, secret).get(candidate_id),
    )


@dataclass(frozen=True)
class CandidateReport:
    """What the candidate's own link shows: the session's name and, once released, the report."""

    title: str
    role: str
    report: FeedbackReport | None
    sections: list[drafting.ReportSection]


def for_candidate(r: redis.Redis, session_id: str, candidate_id: str) -> CandidateReport:
    """The candidate's released report (None before release), or NotFound for anyone unknown."""
    data = unit.read(r, session_id)
    person = data.candidates.get(candidate_id) if data is not None else None
    if data is None or person is None or person.status == CandidateStatus.REMOVED:
        raise NotFound("unknown_candidate", "This link is not valid.")
    report = review.released_feedback(r, session_id, candidate_id)
    sections = drafting.report_sections(data.session, report) if report is not None else []
    return CandidateReport(data.session.title, data.session.role, report, sections)


def follow_up_of(r: redis.Redis, session_id: str, candidate_id: str) -> str:
    """The points to follow up noted for a candidate, for staff pages ("" when none)."""
    raw = review_store.review_raw(r, session_id, candidate_id)
    return CandidateReview.model_validate_json(raw).follow_up if raw else ""
