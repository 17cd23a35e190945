"""The review pages: candidate summary, comparison, agreement and the printable pack.

Facilitators and admins see them; panel observers once they have submitted every rating they
owe (until then a plain page says how many); anyone else finds nothing there. Candidates have
no staff session, so they are sent to sign in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, make_response, render_template, request
from flask_login import login_required

from ..domain.audit import AuditAction
from ..domain.errors import DomainError, Forbidden
from ..domain.states import LABELS
from ..services import audit, summaries
from ..services.review import Review, open_review
from ..store import get_redis
from .helpers import me

bp = Blueprint("review", __name__)
bp.add_app_template_filter(summaries.number, "review_number")
bp.add_app_template_filter(summaries.heat_class, "review_heat")
bp.add_app_template_filter(summaries.percent, "review_percent")
bp.add_app_template_filter(summaries.weight, "review_weight")
bp.add_app_template_filter(summaries.figure, "review_figure")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here is for signed-in staff."""


def _open(session_id: str) -> Review:
    """The review for the signed-in user, or the refusal as a page."""
    try:
        return open_review(get_redis(), me(), session_id)
    except Forbidden as exc:
        page = render_template("error.html", code=403, title="Submit your ratings first", message=exc.message)
        abort(make_response(page, 403))
    except DomainError:
        abort(404, "There is no such session, or it is not yours to review.")


def _page(build: Callable[[], Any]) -> Any:
    """Build a view-model, turning a domain refusal (an unknown candidate) into a 404."""
    try:
        return build()
    except DomainError as exc:
        abort(404, exc.message)


@bp.get("/sessions/<session_id>/candidates/<candidate_id>/summary")
def summary(session_id: str, candidate_id: str) -> str:
    """One candidate's ratings, agreed scores, decision and evidence."""
    review = _open(session_id)
    people = summaries.names(get_redis(), review)
    page = _page(lambda: summaries.candidate_page(review, candidate_id, people))
    audit.viewed(get_redis(), me(), AuditAction.VIEWED_SUMMARY, session_id, candidate_id)
    return render_template(
        "review/summary.html", page=page, session=page.session, labels=LABELS, viewer=review.viewer
    )


@bp.get("/sessions/<session_id>/compare")
def compare(session_id: str) -> str:
    """Candidates side by side, sorted and filtered by the query string."""
    review = _open(session_id)
    wanted, problems = summaries.parse_request(review.data.session, request.args)
    view = summaries.comparison(review, wanted, problems)
    audit.viewed(get_redis(), me(), AuditAction.VIEWED_COMPARISON, session_id)
    return render_template(
        "review/compare.html",
        view=view,
        session=view.session,
        labels=LABELS,
        viewer=review.viewer,
        decisions=summaries.DECISION_FILTERS,
    )


@bp.get("/sessions/<session_id>/agreement")
def agreement(session_id: str) -> str:
    """How closely the observers' independent ratings agree, and the flagged ones."""
    review = _open(session_id)
    page = summaries.agreement_page(review)
    audit.viewed(get_redis(), me(), AuditAction.VIEWED_AGREEMENT, session_id)
    return render_template(
        "review/agreement.html", page=page, session=page.session, labels=LABELS, viewer=review.viewer
    )


@bp.get("/sessions/<session_id>/pack")
def pack(session_id: str) -> str:
    """The session's printable pack: cover, comparison, then one section per candidate."""
    review = _open(session_id)
    people = summaries.names(get_redis(), review)
    audit.viewed(get_redis(), me(), AuditAction.VIEWED_PACK, session_id)
    return render_template("review/pack.html", pack=summaries.pack(review, people), labels=LABELS)


@bp.get("/sessions/<session_id>/candidates/<candidate_id>/pack")
def candidate_pack(session_id: str, candidate_id: str) -> str:
    """One candidate's printable pack."""
    review = _open(session_id)
    people = summaries.names(get_redis(), review)
    found = _page(lambda: summaries.pack(review, people, candidate_id))
    audit.viewed(get_redis(), me(), AuditAction.VIEWED_PACK, session_id, candidate_id)
    return render_template("review/pack.html", pack=found, labels=LABELS)
