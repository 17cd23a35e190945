"""The audit log's entries: who viewed, changed, exported or erased assessment data, and every
sign-in, and how an admin filters them.

An entry says who did what to which session and candidate, never what the data said: no note,
evidence, rationale or report text, and never a password. Sign-in entries keep the email typed
(when it looks like one) so that guessing across accounts shows.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

MAX_DETAIL = 200
MAX_ACTOR = 254
SYSTEM = "system"


class AuditAction(enum.StrEnum):
    """Everything the audit log records. Changes to evidence and the review are named after the
    event the change produced."""

    SIGNED_IN = "signed_in"
    SIGN_IN_REFUSED = "sign_in_refused"
    VIEWED_SUMMARY = "viewed_summary"
    VIEWED_COMPARISON = "viewed_comparison"
    VIEWED_AGREEMENT = "viewed_agreement"
    VIEWED_PACK = "viewed_pack"
    VIEWED_WASHUP = "viewed_washup"
    VIEWED_FEEDBACK = "viewed_feedback"
    VIEWED_REVIEW = "viewed_review"
    EXPORTED_REVIEW = "exported_review"
    VIEWED_CANDIDATE_DATA = "viewed_candidate_data"
    EXPORTED_CANDIDATE_DATA = "exported_candidate_data"
    ERASED_CANDIDATE = "erased_candidate"
    PURGED_SESSION = "purged_session"
    OBSERVATION_RECORDED = "observation_recorded"
    OBSERVATION_EDITED = "observation_edited"
    OBSERVATION_DELETED = "observation_deleted"
    RATING_SAVED = "rating_saved"
    RATING_SUBMITTED = "rating_submitted"
    RATING_REOPENED = "rating_reopened"
    CONSENSUS_RECORDED = "consensus_recorded"
    DECISION_RECORDED = "decision_recorded"
    FOLLOW_UP_CHANGED = "follow_up_changed"
    FEEDBACK_SAVED = "feedback_saved"
    FEEDBACK_RELEASED = "feedback_released"
    FEEDBACK_WITHDRAWN = "feedback_withdrawn"
    EDITED_PRIVACY_NOTICE = "edited_privacy_notice"
    VIEWED_AUDIT_LOG = "viewed_audit_log"


LABELS: dict[AuditAction, str] = {
    AuditAction.SIGNED_IN: "Signed in",
    AuditAction.SIGN_IN_REFUSED: "Sign-in refused",
    AuditAction.VIEWED_SUMMARY: "Viewed a candidate's summary",
    AuditAction.VIEWED_COMPARISON: "Viewed the comparison",
    AuditAction.VIEWED_AGREEMENT: "Viewed the rater agreement",
    AuditAction.VIEWED_PACK: "Viewed the printable pack",
    AuditAction.VIEWED_WASHUP: "Viewed the wash-up",
    AuditAction.VIEWED_FEEDBACK: "Viewed a feedback report",
    AuditAction.VIEWED_REVIEW: "Read the review through the API",
    AuditAction.EXPORTED_REVIEW: "Exported the review",
    AuditAction.VIEWED_CANDIDATE_DATA: "Viewed everything held about a candidate",
    AuditAction.EXPORTED_CANDIDATE_DATA: "Exported everything held about a candidate",
    AuditAction.ERASED_CANDIDATE: "Erased a candidate",
    AuditAction.PURGED_SESSION: "Erased a session's candidates after the retention period",
    AuditAction.OBSERVATION_RECORDED: "Recorded an observation",
    AuditAction.OBSERVATION_EDITED: "Edited an observation",
    AuditAction.OBSERVATION_DELETED: "Deleted an observation",
    AuditAction.RATING_SAVED: "Saved a draft rating",
    AuditAction.RATING_SUBMITTED: "Submitted a rating",
    AuditAction.RATING_REOPENED: "Reopened a rating",
    AuditAction.CONSENSUS_RECORDED: "Agreed a consensus score",
    AuditAction.DECISION_RECORDED: "Recorded a decision",
    AuditAction.FOLLOW_UP_CHANGED: "Changed the points to follow up",
    AuditAction.FEEDBACK_SAVED: "Saved a feedback report",
    AuditAction.FEEDBACK_RELEASED: "Released a feedback report",
    AuditAction.FEEDBACK_WITHDRAWN: "Withdrew a feedback report",
    AuditAction.EDITED_PRIVACY_NOTICE: "Edited the privacy notice",
    AuditAction.VIEWED_AUDIT_LOG: "Viewed the audit log",
}

CHANGES = frozenset(
    {
        AuditAction.OBSERVATION_RECORDED,
        AuditAction.OBSERVATION_EDITED,
        AuditAction.OBSERVATION_DELETED,
        AuditAction.RATING_SAVED,
        AuditAction.RATING_SUBMITTED,
        AuditAction.RATING_REOPENED,
        AuditAction.CONSENSUS_RECORDED,
        AuditAction.DECISION_RECORDED,
        AuditAction.FOLLOW_UP_CHANGED,
        AuditAction.FEEDBACK_SAVED,
        AuditAction.FEEDBACK_RELEASED,
        AuditAction.FEEDBACK_WITHDRAWN,
    }
)

Detail = Annotated[str, StringConstraints(max_length=MAX_DETAIL)]


class AuditEntry(BaseModel):
    """One line of the audit log. `actor_id` is the staff member's id ("" for a sign-in to no
    account, "system" for the retention purge); `actor` how they were known then."""

    model_config = ConfigDict(extra="forbid")

    id: str = ""
    at: float
    actor_id: str = ""
    actor: Annotated[str, StringConstraints(max_length=MAX_ACTOR)] = ""
    action: AuditAction
    session_id: str = ""
    candidate_id: str = ""
    detail: Detail = ""
    address: str = ""

    @property
    def label(self) -> str:
        """The action in words."""
        return LABELS[self.action]

    @property
    def when(self) -> datetime:
        """The instant, in UTC."""
        return datetime.fromtimestamp(self.at, UTC)


def change_action(event_type: str) -> AuditAction | None:
    """The action a change to evidence or the review is recorded as (None: not audited)."""
    try:
        action = AuditAction(event_type)
    except ValueError:
        return None
    return action if action in CHANGES else None


def typed_email(text: str) -> str:
    """What a refused sign-in's entry keeps of the email typed: it, if it looks like an address,
    else a placeholder (people type passwords into the email box)."""
    email = text.strip().lower()[:MAX_ACTOR]
    if "@" in email and not any(ch.isspace() for ch in email) and email.count("@") == 1:
        return email
    return "(not an email address)" if email else ""


def clip(text: str, limit: int = MAX_DETAIL) -> str:
    """A detail cut to the length an entry keeps."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AuditQuery(BaseModel):
    """An admin's filter of the audit log; every part is optional."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    actor: Annotated[str, StringConstraints(max_length=MAX_ACTOR)] = ""
    action: AuditAction | None = None
    session_id: Annotated[str, StringConstraints(max_length=64)] = ""
    candidate_id: Annotated[str, StringConstraints(max_length=64)] = ""
    since: date | None = Field(default=None, alias="from")
    until: date | None = Field(default=None, alias="to")
    before: Annotated[str, StringConstraints(pattern=r"^(\d{1,20}-\d{1,20})?$")] = ""

    @field_validator("action", "since", "until", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    def bounds_ms(self) -> tuple[int | None, int | None]:
        """The date range as stream ids (milliseconds), both ends of the days included."""
        low = int(datetime.combine(self.since, time.min, UTC).timestamp() * 1000) if self.since else None
        high = int(datetime.combine(self.until, time.max, UTC).timestamp() * 1000) if self.until else None
        return low, high

    def matches(self, entry: AuditEntry) -> bool:
        """True when the entry passes every filter given (the date range is read by the store)."""
        if self.action is not None and entry.action != self.action:
            return False
        if self.session_id and entry.session_id != self.session_id:
            return False
        if self.candidate_id and entry.candidate_id != self.candidate_id:
            return False
        wanted = self.actor.casefold()
        return not wanted or wanted == entry.actor_id.casefold() or wanted in entry.actor.casefold()
