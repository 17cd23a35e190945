"""Staff downloads of a session's review: the Excel workbook, a CSV per sheet, the whole session as JSON.

Links to these live on the review pages; the URLs carry only the session id and the sheet.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, request
from flask_login import login_required
from werkzeug.wrappers import Response

from ..domain.errors import DomainError
from ..services import exports
from ..services.exports import Export
from ..store import get_redis
from .helpers import me

bp = Blueprint("exports", __name__)


def download(export: Export) -> Response:
    """A file to save, never kept by a browser or proxy cache: it holds personal data."""
    response = Response(export.content, mimetype=export.mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=export.filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(build: Callable[[], Export]) -> Response:
    try:
        return download(build())
    except DomainError as exc:
        abort(exc.status, exc.message)


@bp.get("/sessions/<session_id>/export.xlsx")
@login_required
def workbook(session_id: str) -> Response:
    """The review as an Excel workbook."""
    return _page(lambda: exports.workbook(get_redis(), me(), session_id))


@bp.get("/sessions/<session_id>/export.csv")
@login_required
def csv_sheet(session_id: str) -> Response:
    """One sheet of the review as CSV (?sheet=summary|observations|ratings|session)."""
    return _page(lambda: exports.csv_sheet(get_redis(), me(), session_id, request.args.get("sheet")))


@bp.get("/sessions/<session_id>/export.json")
@login_required
def session_json(session_id: str) -> Response:
    """The whole session as JSON."""
    return _page(lambda: exports.session_json(get_redis(), me(), session_id))
