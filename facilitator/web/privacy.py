"""Privacy pages: everything held about one candidate (to read, download or erase), the
audit log, and the privacy notice's editor.

A candidate's data is for the session's facilitators and admins; the audit log and the notice
are for admins. Everyone else finds nothing (404) or is told it is not theirs (403).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from pydantic import ValidationError
from werkzeug.wrappers import Response

from .. import broadcast
from ..domain import privacy as notice_rules
from ..domain.audit import LABELS, AuditQuery
from ..domain.errors import DomainError, Forbidden
from ..input_errors import sentences
from ..services import audit, notice, privacy
from ..store import get_redis
from ..store import sessions as session_store
from .helpers import me

bp = Blueprint("privacy", __name__)
CANDIDATE = "/sessions/<session_id>/candidates/<candidate_id>"
FILTERS = ("actor", "action", "session_id", "candidate_id", "from", "to", "before")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here is for signed-in staff."""


@bp.app_template_filter("privacy_when")
def readable_instant(value: str) -> str:
    """An export's ISO 8601 instant ("2025-03-04T09:30:00Z") as "4 Mar 2025, 09:30 UTC"."""
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return f"{at.day} {at:%b %Y, %H:%M} UTC"


def _export(session_id: str, candidate_id: str, *, download: bool) -> dict[str, Any]:
    try:
        return privacy.subject_access_export(get_redis(), me(), session_id, candidate_id, download=download)
    except DomainError:
        abort(404, "There is no such candidate, or the session is not yours to run.")


def _data_page(session_id: str, candidate_id: str, error: str = "", status: int = 200) -> Response:
    held = _export(session_id, candidate_id, download=False)
    page = render_template(
        "privacy/candidate.html",
        held=held,
        session_id=session_id,
        candidate_id=candidate_id,
        error=error,
    )
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get(CANDIDATE + "/data")
def candidate_data(session_id: str, candidate_id: str) -> Response:
    """Everything the session holds about the candidate, to read, download or erase."""
    return _data_page(session_id, candidate_id)


def _file_name(held: dict[str, Any]) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", f"{held['candidate']['name']} data".lower()).strip("-")
    return (words or "candidate-data")[:80] + ".json"


@bp.get(CANDIDATE + "/data.json")
def candidate_data_json(session_id: str, candidate_id: str) -> Response:
    """The same as a JSON file (a subject-access request's answer)."""
    held = _export(session_id, candidate_id, download=True)
    response = Response(json.dumps(held, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers.set("Content-Disposition", "attachment", filename=_file_name(held))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post(CANDIDATE + "/erase")
def erase(session_id: str, candidate_id: str) -> Response:
    """Erase the candidate from the session, once their name is typed to confirm."""
    r = get_redis()
    phones = session_store.sockets_of(r, session_id, "candidate", candidate_id)
    try:
        done = privacy.erase_candidate(
            r, me(), session_id, candidate_id, request.form.get("confirm", "")[:200]
        )
    except Forbidden:
        abort(404, "There is no such candidate, or the session is not yours to run.")
    except DomainError as exc:
        if exc.code == "confirmation_mismatch":
            return _data_page(session_id, candidate_id, exc.message, 400)
        abort(404, "There is no such candidate, or the session is not yours to run.")
    broadcast.publish(session_id, done.events)
    broadcast.close_sockets(phones)
    flash(f"{done.name} was erased from this session. {done.compaction.describe()}")
    if not done.by_name:
        flash(
            "Another candidate in this session has the same name, so mentions of the erased candidate "
            "were found by email only: check the others' notes for their name."
        )
    return redirect(url_for("sessions.show", session_id=session_id) + "#roster")


# ---- the audit log ----


def _admins_only(what: str) -> None:
    if me().role != "admin":
        abort(403, f"Only admins {what}.")


@bp.get("/admin/audit")
def audit_log() -> Response:
    """The audit log, newest first, filtered by who, what, session, candidate and dates."""
    _admins_only("read the audit log")
    values = {
        k: request.args.get(k, "")[:300]
        for k in ("actor", "action", "session_id", "candidate_id", "from", "to", "before")
    }
    problem = ""
    try:
        query = AuditQuery.model_validate(values)
    except ValidationError as exc:
        problem = sentences(exc)
        query = AuditQuery()
    entries, more = ([], None) if problem else audit.search(get_redis(), me(), query)
    kept: dict[str, Any] = {k: v for k, v in values.items() if v and k != "before"}
    page = render_template(
        "privacy/audit.html",
        entries=entries,
        older=url_for("privacy.audit_log", before=more, **kept) if more else None,
        form=values,
        labels=LABELS,
        problem=problem,
    )
    response = make_response(page, 400 if problem else 200)
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- the privacy notice ----


@bp.route("/admin/privacy-notice", methods=["GET", "POST"])
def notice_editor() -> Response:
    """Edit the privacy notice candidates read before checking in, with a preview."""
    _admins_only("change the privacy notice")
    r = get_redis()
    days = int(current_app.config.get("RETENTION_DAYS", 180))
    error = ""
    text = notice.notice(r).text
    if request.method == "POST":
        if request.form.get("action") == "reset":
            notice.reset_notice(r, me())
            flash("The standard privacy notice is back; candidates read it from their next join.")
            return redirect(url_for("privacy.notice_editor"))
        text = request.form.get("text", "")
        try:
            notice.save_notice(r, me(), notice_rules.NoticeEdit(text=text))
        except ValidationError as exc:
            error = sentences(exc)
        else:
            flash("Privacy notice saved. Candidates read it from their next join.")
            return redirect(url_for("privacy.notice_editor"))
    current = notice.notice(r)
    page = render_template(
        "privacy/notice.html",
        current=current,
        text=text,
        preview=notice_rules.sections(text, days) if text.strip() else [],
        placeholder=notice_rules.RETENTION_PLACEHOLDER,
        mentions_retention=notice_rules.mentions_retention(text),
        retention_days=days,
        error=error,
        limit=notice_rules.MAX_NOTICE,
    )
    return make_response(page, 400 if error else 200)
