"""Facilitator pages for a candidate's feedback report and the points to follow up.

The report is drafted from the evidence, edited, saved, then released to the candidate (who
reads it through their personal link); the follow-up points go to the panel's tablets.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from .. import broadcast
from ..domain.audit import AuditAction
from ..domain.commands import ReleaseFeedback, SaveFeedback, SetFollowUp
from ..domain.errors import DomainError
from ..domain.ids import new_id
from ..domain.models import CandidateStatus, SessionState
from ..domain.review import REVIEWING
from ..services import audit, feedback, history, review
from ..services.history import EarlierStage
from ..store import get_redis
from . import forms
from .helpers import app_secret, me

bp = Blueprint("feedback", __name__)

# Where an earlier stage links to: the candidate's summary page of that session.
SUMMARY_ENDPOINT = "review.summary"
WRITABLE = (SessionState.ENDED, *REVIEWING)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here is for signed-in staff; each checks who runs the session."""


@bp.app_template_global()
def earlier_stage_link(stage: EarlierStage) -> str | None:
    """The summary page of an earlier stage, or None where the app has no summary page."""
    try:
        return url_for(SUMMARY_ENDPOINT, session_id=stage.session_id, candidate_id=stage.candidate_id)
    except BuildError:
        return None


@bp.app_template_filter("feedback_iso")
def iso_instant(epoch: float) -> str:
    """An epoch second as ISO 8601 in UTC, for <time datetime>."""
    return datetime.fromtimestamp(epoch, UTC).isoformat()


@bp.app_template_filter("feedback_when")
def readable_instant(epoch: float) -> str:
    """An epoch second as people read it, in UTC until static/js/local-time.js makes it local."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%d %b %Y, %H:%M UTC")


@bp.app_template_global()
def earlier_interviews(session_id: str, candidate_id: str) -> list[EarlierStage]:
    """The candidate's earlier stages the signed-in user may see (for templates/review/_history.html)."""
    # One page may ask for many candidates (the printed pack): read each session once.
    reads = g.get("earlier_sessions")
    if reads is None:
        reads = g.earlier_sessions = history.Reads(get_redis())
    try:
        return history.earlier(get_redis(), me(), session_id, candidate_id, reads)
    except DomainError:
        return []


@bp.app_template_global()
def follow_up_points(session_id: str, candidate_id: str) -> str:
    """The points to follow up the facilitator noted for this candidate ("" when none)."""
    return feedback.follow_up_of(get_redis(), session_id, candidate_id)


def _page(session_id: str, candidate_id: str) -> feedback.FeedbackPage:
    try:
        return feedback.open_feedback(get_redis(), me(), session_id, candidate_id, app_secret())
    except DomainError:
        abort(404, "There is no such candidate, or the session is not yours to run.")


def _posted_sections(page: feedback.FeedbackPage) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The form as a SaveFeedback payload, with each section's labels and field names for errors."""
    sections, labels, fields = [], {}, {}
    for n, competency_id in enumerate(request.form.getlist("competency")[:30]):
        competency = page.data.session.competency(competency_id)
        name = competency.name if competency else competency_id
        sections.append(
            {
                "competency_id": competency_id,
                "strengths": request.form.get(f"strengths-{competency_id}", ""),
                "development": request.form.get(f"development-{competency_id}", ""),
            }
        )
        for part, words in (("strengths", "What went well"), ("development", "What to develop")):
            labels[f"sections.{n}.{part}"] = f"{words} in {name}"
            fields[f"sections.{n}.{part}"] = f"{part}-{competency_id}"
        fields[f"sections.{n}.competency_id"] = "form"
    payload = {
        "id": new_id(16),
        "candidate_id": page.candidate.id,
        "introduction": request.form.get("introduction", ""),
        "sections": sections,
    }
    return payload, labels, fields


def _shown_text(page: feedback.FeedbackPage, drafting: bool) -> dict[str, str]:
    """What the form's fields hold: a fresh draft, or the saved report (empty before one)."""
    if drafting:
        text = {"introduction": page.draft.introduction}
        for section in page.draft.sections:
            text[f"strengths-{section.competency_id}"] = section.strengths
            text[f"development-{section.competency_id}"] = section.development
        return text
    report = page.report
    if report is None:
        return {}
    text = {"introduction": report.introduction}
    for saved in report.sections:
        text[f"strengths-{saved.competency_id}"] = saved.strengths
        text[f"development-{saved.competency_id}"] = saved.development
    return text


@bp.route("/sessions/<session_id>/candidates/<candidate_id>/feedback", methods=["GET", "POST"])
def edit(session_id: str, candidate_id: str) -> str | Response:
    """Draft, edit, save, release or withdraw a candidate's feedback report."""
    page = _page(session_id, candidate_id)
    if request.method == "GET":
        audit.viewed(get_redis(), me(), AuditAction.VIEWED_FEEDBACK, session_id, candidate_id)
    here = url_for("feedback.edit", session_id=session_id, candidate_id=candidate_id)
    errors: dict[str, str] = {}
    shown = _shown_text(page, request.args.get("draft") == "1")
    if request.method == "POST":
        action = request.form.get("action", "save")
        try:
            if action in ("release", "withdraw"):
                command = ReleaseFeedback(
                    id=new_id(16), candidate_id=candidate_id, released=action == "release"
                )
                written = review.release_feedback(get_redis(), me(), session_id, command)
                broadcast.publish(session_id, written.events)
                flash(
                    "Released. The candidate can now read the report through their personal link."
                    if action == "release"
                    else "Withdrawn. The candidate no longer sees the report."
                )
                return redirect(here)
            payload, labels, fields = _posted_sections(page)
            parsed, errors = forms.parse(SaveFeedback, payload, labels, fields)
            if parsed is not None:
                written = review.save_feedback(get_redis(), me(), session_id, parsed)
                broadcast.publish(session_id, written.events)
                released = page.report is not None and page.report.released_at is not None
                flash(
                    "Saved. The candidate sees this version now."
                    if released
                    else "Saved. The candidate sees nothing until you release it."
                )
                return redirect(here)
        except DomainError as exc:
            if action in ("release", "withdraw"):
                flash(exc.message, "error")
                return redirect(here)
            errors["form"] = exc.message
        shown = {
            key: request.form.get(key, "") for key in request.form if key not in ("csrf_token", "action")
        }
    return render_template(
        "feedback/edit.html",
        page=page,
        session=page.data.session,
        candidate=page.candidate,
        shown=shown,
        drafted=request.args.get("draft") == "1" and request.method == "GET",
        errors=errors,
        writable=page.data.session.state in WRITABLE and page.candidate.status == CandidateStatus.CHECKED_IN,
    ), (400 if errors else 200)  # type: ignore[return-value]


@bp.route("/sessions/<session_id>/candidates/<candidate_id>/follow-up", methods=["GET", "POST"])
def follow_up(session_id: str, candidate_id: str) -> str | Response:
    """Note the points the panel should follow up from an earlier interview."""
    page = _page(session_id, candidate_id)
    r = get_redis()
    errors: dict[str, str] = {}
    text = page.record.follow_up
    if request.method == "POST":
        text = request.form.get("text", "")
        command, errors = forms.parse(
            SetFollowUp, {"id": new_id(16), "candidate_id": candidate_id, "text": text}
        )
        if command is not None:
            try:
                written = review.set_follow_up(r, me(), session_id, command)
                broadcast.publish(session_id, written.events)
                flash(
                    "Saved. The panel sees these points on the candidate's tile while they observe."
                    if command.text
                    else "Cleared. The panel no longer sees follow-up points for this candidate."
                )
                return redirect(
                    url_for("feedback.follow_up", session_id=session_id, candidate_id=candidate_id)
                )
            except DomainError as exc:
                errors["text"] = exc.message
    return render_template(
        "feedback/follow_up.html",
        session=page.data.session,
        candidate=page.candidate,
        text=text,
        errors=errors,
        history=history.earlier(r, me(), session_id, candidate_id),
    ), (400 if errors else 200)  # type: ignore[return-value]


def candidate_report(session_id: str, candidate_id: str) -> tuple[str, int]:
    """The candidate's own page: their released report, or only that it is not available yet."""
    try:
        found = feedback.for_candidate(get_redis(), session_id, candidate_id)
    except DomainError as exc:
        return render_template("candidate/problem.html", message=exc.message), 404
    if found.report is None:
        return render_template("candidate/feedback.html", found=None), 404
    return render_template("candidate/feedback.html", found=found), 200
