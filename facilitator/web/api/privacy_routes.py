"""API routes for candidates' data and the audit log: a candidate's subject-access export, their
erasure, and the audit log for admins. The same rules as the pages: a candidate's data is for
the session's facilitators and admins, the audit log for admins; each read is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask import request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ... import broadcast
from ...domain.audit import AuditAction, AuditEntry, AuditQuery
from ...domain.errors import DomainError
from ...input_errors import sentences
from ...services import audit, privacy
from ...store import get_redis
from ...store import sessions as session_store
from . import Query, current_api_user, operation
from .common import Body

CANDIDATE = "/sessions/<session_id>/candidates/<candidate_id>"


class EraseBody(Body):
    """The candidate's name, typed to confirm the erasure."""

    confirm: Annotated[str, StringConstraints(max_length=200)]


class Compacted(BaseModel):
    """Whether Redis's files were rewritten after the erasure (see docs/operations.md)."""

    model_config = ConfigDict(extra="forbid")

    aof: str = Field(description='"rewritten", "off" (no append-only file), or why not.')
    rdb: str = Field(description='"saved", or why not.')
    complete: bool = Field(description="True when no file can still hold the erased data.")


class Erased(BaseModel):
    """What an erasure removed."""

    model_config = ConfigDict(extra="forbid")

    candidate_id: str
    observations: int
    ratings: int
    log_entries: int = Field(description="Entries of the session's event log rewritten.")
    mentions: int = Field(description="Others' records whose mention of the candidate was replaced.")
    matched_by_name: bool = Field(description="False when another candidate has the same name (email only).")
    compaction: Compacted


class AuditPage(BaseModel):
    """Audit entries, newest first, and the `before` value of the next page (null at the end)."""

    model_config = ConfigDict(extra="forbid")

    entries: list[AuditEntry]
    next_before: str | None


AUDIT_QUERY = (
    Query("actor", "A staff member's id, or part of their name or email."),
    Query("action", "One action.", tuple(a.value for a in AuditAction)),
    Query("session_id", "One session."),
    Query("candidate_id", "One candidate."),
    Query("from", "First day (YYYY-MM-DD, UTC).", schema=(("type", "string"), ("format", "date"))),
    Query("to", "Last day (YYYY-MM-DD, UTC).", schema=(("type", "string"), ("format", "date"))),
    Query("before", "The next_before of the previous page."),
)


@operation(
    "GET",
    CANDIDATE + "/data",
    "Export everything held about a candidate (a subject-access request)",
    tag="privacy",
    response=dict[str, Any],
)
def candidate_data(session_id: str, candidate_id: str) -> Any:
    """Roster entry, check-in, questions, groups and their outputs, every observation (with the
    observer's name and note, deleted ones and earlier versions included), every rating (drafts
    included), agreed scores, decisions with history, feedback, follow-up points, other stages."""
    return privacy.subject_access_export(
        get_redis(), current_api_user(), session_id, candidate_id, download=True
    )


@operation(
    "POST",
    CANDIDATE + "/erase",
    "Erase a candidate from a session",
    tag="privacy",
    body=EraseBody,
    response=Erased,
)
def erase_candidate(session_id: str, candidate_id: str, body: EraseBody) -> Any:
    """Send the candidate's name as `confirm`. Erases everything the export shows, scrubs the
    event log, then rewrites Redis's files (this waits for the rewrite)."""
    r = get_redis()
    phones = session_store.sockets_of(r, session_id, "candidate", candidate_id)
    done = privacy.erase_candidate(r, current_api_user(), session_id, candidate_id, body.confirm)
    broadcast.publish(session_id, done.events)
    broadcast.close_sockets(phones)
    return {
        "candidate_id": done.candidate_id,
        "observations": done.observations,
        "ratings": done.ratings,
        "log_entries": done.log_entries,
        "mentions": done.mentions,
        "matched_by_name": done.by_name,
        "compaction": {**vars(done.compaction), "complete": done.compaction.complete},
    }


@operation(
    "GET",
    "/audit",
    "Read the audit log (admins)",
    tag="privacy",
    query=AUDIT_QUERY,
    response=AuditPage,
)
def audit_log() -> Any:
    """Who viewed, changed, exported or erased assessment data, and every sign-in; 100 a page."""
    try:
        query = AuditQuery.model_validate(
            {k: request.args.get(k, "")[:300] for k in (q.name for q in AUDIT_QUERY)}
        )
    except ValidationError as exc:
        raise DomainError("invalid_filter", sentences(exc)) from None
    entries, more = audit.search(get_redis(), current_api_user(), query)
    return {"entries": entries, "next_before": more}
