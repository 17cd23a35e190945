"""API routes for a session's exports: the Excel workbook, a CSV per sheet, the whole session as JSON.

Open to whoever may see the review: facilitators, admins, and panel members who owe no ratings.
"""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from ...domain.exports import SHEET_KEYS
from ...services import exports
from ...store import get_redis
from ..exports import download
from . import Query, current_api_user, operation

SHEET = Query("sheet", "Which sheet: summary, observations, ratings or session.", SHEET_KEYS, required=True)


@operation(
    "GET",
    "/sessions/<session_id>/export.xlsx",
    "Download the review as an Excel workbook",
    tag="exports",
    produces=exports.XLSX,
)
def export_workbook(session_id: str) -> Response:
    """Sheets Summary, Observations, Ratings and Session."""
    return download(exports.workbook(get_redis(), current_api_user(), session_id))


@operation(
    "GET",
    "/sessions/<session_id>/export.csv",
    "Download one sheet of the review as CSV",
    tag="exports",
    produces=exports.CSV,
    query=(SHEET,),
)
def export_csv(session_id: str) -> Response:
    """UTF-8 with a byte-order mark; text that would read as a formula starts with an apostrophe."""
    return download(exports.csv_sheet(get_redis(), current_api_user(), session_id, request.args.get("sheet")))


@operation(
    "GET",
    "/sessions/<session_id>/export.json",
    "Download the whole session as JSON",
    tag="exports",
    produces=exports.JSON,
)
def export_json(session_id: str) -> Response:
    """Set-up, roster, runs, evidence, reviews with their histories, agreement; ISO 8601 times."""
    return download(exports.session_json(get_redis(), current_api_user(), session_id))
