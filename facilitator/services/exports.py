"""A session's exports as files: the Excel workbook, one CSV per sheet, and JSON of the whole session.

Each file is built from one read of the review (`review.open_review`, which refuses anyone who
may not see it) plus the names of whoever agreed a score or decided. The formats differ in how
they keep user text from being read as a formula: a workbook cell is written as text (and
marked so that editing it keeps it text); a CSV cell gets a leading apostrophe.

XlsxWriter writes the workbook: it streams cells straight to XML at about twice openpyxl's
speed (measured in bench/review.py). It keeps every cell as a small object until the book is
closed, and on a 5,000-observation session (about 85,000 cells, after reading some 6,000
records) Python's cyclic garbage collector spent a quarter of the export rescanning them. None
of them forms a cycle, so the collector is paused while an export is built (`collector_paused`):
the 5,000-observation workbook went from 1,100 ms to 660 ms of CPU.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import re
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import redis
import xlsxwriter

from ..domain import exports as rules
from ..domain.audit import AuditAction
from ..domain.errors import DomainError
from ..store import users as user_store
from ..store.users import StaffUser
from . import audit
from .review import Review, open_review

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
JSON = "application/json"
# Control characters other than tab and line breaks have no place in a workbook's XML
# (they would show as _x0007_).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Never turn user text into a formula, a link or a number, whatever it looks like.
AS_WRITTEN = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


@dataclass(frozen=True)
class Export:
    """A file to download: its bytes, its media type and the name to save it under."""

    content: bytes
    mimetype: str
    filename: str


def names(r: redis.Redis, review: Review) -> dict[str, str]:
    """Observers' names, plus everyone who agreed a score, decided, reopened or wrote feedback."""
    found = dict(review.observer_names)
    wanted: set[str] = set()
    for record in review.evidence.reviews.values():
        wanted.update(c.by for c in (*record.consensus.values(), *record.consensus_history))
        wanted.update(
            d.by for d in (*([record.decision] if record.decision else []), *record.decision_history)
        )
        if record.feedback is not None:
            wanted.update(u for u in (record.feedback.updated_by, record.feedback.released_by) if u)
    for rating in review.evidence.ratings.values():
        wanted.update(o.by for o in rating.reopenings)
    for user_id in wanted - set(found):
        account = user_store.get(r, user_id)
        if account is not None:
            found[user_id] = account.name
    return found


def source(r: redis.Redis, user: StaffUser, session_id: str) -> rules.Source:
    """What an export is built from, for someone allowed to see the review (refused otherwise)."""
    review = open_review(r, user, session_id)
    found = review.evidence
    return rules.Source(review.data, found.ratings, found.observations, found.reviews, names(r, review))


def slug(title: str) -> str:
    """A file name from a session title: "Évaluation 2025 / Paris" -> "evaluation-2025-paris"."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60].strip("-") or "session"


def sheet_key(value: str | None) -> str:
    """The CSV sheet asked for, or a refusal that lists the sheets there are."""
    if value is None or value not in rules.SHEET_KEYS:
        raise DomainError(
            "unknown_sheet", "Choose the sheet to download: summary, observations, ratings or session."
        )
    return value


_paused = 0  # builds under way with the collector paused (greenlets may overlap)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a build that allocates many acyclic objects.

    Reference counting still frees everything at once; only the search for cycles waits, and
    it resumes when the last overlapping build ends (a collection then catches up).
    """
    global _paused
    if _paused == 0:
        gc.disable()
    _paused += 1
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0:
            gc.enable()


def _sheet(book: Any, sheet: rules.Sheet, bold: Any, text: Any) -> None:
    ws = book.add_worksheet(sheet.title)
    ws.freeze_panes(1, 0)
    for column, width in enumerate(sheet.widths):
        ws.set_column(column, column, width)
    ws.write_row(0, 0, sheet.header, bold)
    # The hot loop of an export (about 85,000 cells for 5,000 observations): plain local names,
    # and each distinct text cleaned once (names and titles repeat on every row).
    write_string, write_number, formula = ws.write_string, ws.write_number, rules.looks_like_formula
    written: dict[str, tuple[str, Any]] = {}
    for row, values in enumerate(sheet.rows, start=1):
        for column, value in enumerate(values):
            if isinstance(value, str):
                if not value:
                    continue  # an empty cell, not an empty string
                cell = written.get(value)
                if cell is None:
                    clean = CONTROL.sub("", value)
                    # Text, never a formula; quote-prefixed when it looks like one, so that it
                    # stays text once someone edits the cell.
                    cell = written[value] = (clean, text if formula(clean) else None)
                write_string(row, column, *cell)
            elif value is not None:
                write_number(row, column, value)


def workbook(r: redis.Redis, user: StaffUser, session_id: str) -> Export:
    """The Excel workbook: Summary, Observations, Ratings and Session sheets."""
    with collector_paused():
        found = source(r, user, session_id)
        audit.viewed(r, user, AuditAction.EXPORTED_REVIEW, session_id, detail="Excel workbook")
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, AS_WRITTEN)
        bold, text = book.add_format({"bold": True}), book.add_format({"quote_prefix": True})
        for sheet in rules.sheets(found):
            _sheet(book, sheet, bold, text)
        book.close()
    return Export(buffer.getvalue(), XLSX, f"{slug(found.data.session.title)}.xlsx")


def _csv_value(value: rules.Value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, str) and rules.looks_like_formula(value):
        return "'" + value
    return value


def csv_sheet(r: redis.Redis, user: StaffUser, session_id: str, key: str | None) -> Export:
    """One sheet as CSV, UTF-8 with a byte-order mark so that Excel reads accents right."""
    chosen = sheet_key(key)
    with collector_paused():
        found = source(r, user, session_id)
        audit.viewed(r, user, AuditAction.EXPORTED_REVIEW, session_id, detail=f"CSV, {chosen} sheet")
        sheet = rules.sheet(found, chosen)
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(sheet.header)
        writer.writerows([_csv_value(v) for v in values] for values in sheet.rows)
    content = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    return Export(content, CSV, f"{slug(found.data.session.title)}-{chosen}.csv")


def session_json(r: redis.Redis, user: StaffUser, session_id: str) -> Export:
    """The whole session as JSON, with ISO 8601 times and no secrets or draft scores."""
    with collector_paused():
        found = source(r, user, session_id)
        audit.viewed(r, user, AuditAction.EXPORTED_REVIEW, session_id, detail="JSON")
        document = rules.document(found, found.agreement(), time.time())
        content = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return Export(content, JSON, f"{slug(found.data.session.title)}.json")
