"""API routes for a candidate's feedback report, the points to follow up, and earlier stages.

Writes carry the request's Idempotency-Key as their command id, so a retried request is
answered with its first acknowledgement and changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from ...domain.commands import FeedbackSectionInput, ReleaseFeedback, SaveFeedback, SetFollowUp
from ...domain.review import MAX_FOLLOW_UP
from ...services import feedback, history, review
from ...store import get_redis
from ...store.evidence import Written
from ..helpers import app_secret
from . import current_api_user, operation, responses
from .common import Body, command_id, stored

BASE = "/sessions/<session_id>/candidates/<candidate_id>"


class FeedbackBody(Body):
    """The report: an introduction and, per competency, what went well and what to develop."""

    introduction: Annotated[str, StringConstraints(strip_whitespace=True, max_length=3000)] = ""
    sections: list[FeedbackSectionInput] = Field(default_factory=list, max_length=30)


class ReleaseBody(Body):
    """true releases the saved report to the candidate; false withdraws it."""

    released: bool = True


class FollowUpBody(Body):
    """Points the panel should follow up; empty clears them."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_FOLLOW_UP)] = ""


def _written(session_id: str, written: Written) -> Any:
    return stored(session_id, written)


@operation(
    "GET",
    BASE + "/feedback",
    "Read a candidate's feedback report and a draft",
    tag="feedback",
    response=responses.FeedbackRead,
)
def get_feedback(session_id: str, candidate_id: str) -> Any:
    """The saved report (null before one), whether it is released, and a draft from the evidence."""
    page = feedback.open_feedback(get_redis(), current_api_user(), session_id, candidate_id, app_secret())
    report = page.report
    return {
        "candidate_id": candidate_id,
        "feedback": report.model_dump() if report is not None else None,
        "released": report is not None and report.released_at is not None,
        "draft": {
            "introduction": page.draft.introduction,
            "sections": [
                {"competency_id": s.competency_id, "strengths": s.strengths, "development": s.development}
                for s in page.draft.sections
            ],
        },
    }


@operation(
    "PUT",
    BASE + "/feedback",
    "Save a candidate's feedback report",
    tag="feedback",
    body=FeedbackBody,
    response=responses.FeedbackSaved,
    idempotency="key",
)
def put_feedback(session_id: str, candidate_id: str, body: FeedbackBody) -> Any:
    """Once the session has ended; a released report stays released and shows the new text."""
    command = SaveFeedback(id=command_id(), candidate_id=candidate_id, **body.model_dump())
    return _written(session_id, review.save_feedback(get_redis(), current_api_user(), session_id, command))


@operation(
    "POST",
    BASE + "/feedback/release",
    "Release a candidate's feedback report, or withdraw it",
    tag="feedback",
    body=ReleaseBody,
    response=responses.FeedbackReleased,
    idempotency="key",
)
def release_feedback(session_id: str, candidate_id: str, body: ReleaseBody) -> Any:
    """The candidate reads a released report through their personal link; save it first."""
    command = ReleaseFeedback(id=command_id(), candidate_id=candidate_id, released=body.released)
    return _written(session_id, review.release_feedback(get_redis(), current_api_user(), session_id, command))


@operation(
    "PUT",
    BASE + "/follow-up",
    "Note the points to follow up",
    tag="feedback",
    body=FollowUpBody,
    response=responses.FollowUp,
    idempotency="key",
)
def put_follow_up(session_id: str, candidate_id: str, body: FollowUpBody) -> Any:
    """The panel sees them on the candidate's tile while observing; candidates never do."""
    command = SetFollowUp(id=command_id(), candidate_id=candidate_id, text=body.text)
    return _written(session_id, review.set_follow_up(get_redis(), current_api_user(), session_id, command))


@operation(
    "GET",
    BASE + "/history",
    "List a candidate's earlier interview stages",
    tag="feedback",
    response=list[responses.EarlierStage],
)
def get_history(session_id: str, candidate_id: str) -> Any:
    """Earlier sessions of the same email, oldest first: only those the caller may review."""
    stages = history.earlier(get_redis(), current_api_user(), session_id, candidate_id)
    return [asdict(stage) for stage in stages]
