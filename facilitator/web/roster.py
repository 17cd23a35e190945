"""The set-up page's roster forms: add one candidate, or import a pasted list or a CSV.

Readable lines are added and the others come back beside the box with their line numbers
and reasons; only those lines stay in the box, so correcting and importing again adds
nobody twice.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import request
from werkzeug.wrappers import Response

from .. import broadcast
from ..domain import setup as setup_rules
from ..domain.commands import CandidateInput
from ..domain.errors import DomainError
from ..services import setup
from ..store import get_redis, unit
from . import forms, notes
from .helpers import app_secret, me

MAX_UPLOAD = 256 * 1024


def _people(count: int) -> str:
    return f"{count} candidate{'' if count == 1 else 's'}"


def _namesakes(session_id: str, added: list[str]) -> str | None:
    """A warning naming people who now share a name with someone just added."""
    groups = setup_rules.namesakes(unit.load(get_redis(), session_id).candidates.values())
    return setup_rules.namesake_warning([g for g in groups if any(c.id in added for c in g)])


def add_one(session_id: str) -> Response:
    """Add the candidate typed in the "Add a candidate" form."""
    values = {"name": request.form.get("name", ""), "email": request.form.get("email", "")}
    one, errors = forms.parse(
        CandidateInput, {"name": values["name"], "email": values["email"].strip() or None}
    )
    if one is None:
        text = "The candidate was not added: correct what is marked below."
        return notes.back(session_id, "roster-add", text, "error", errors=errors, values=values)
    try:
        outcome = setup.add_candidates(get_redis(), me(), session_id, [one], app_secret())
    except DomainError as exc:
        return notes.back(session_id, "roster-add", exc.message, "error", values=values)
    broadcast.publish(session_id, outcome.events)
    warning = _namesakes(session_id, [c["id"] for c in outcome.result])
    return notes.back(session_id, "roster-add", f"{one.name} is on the roster.", warning=warning)


def import_list(session_id: str, text: str) -> Response:
    """Add everyone the list names; send the lines that could not be read back to the box."""
    reading = setup_rules.read_roster(text)
    lines = [asdict(line) for line in reading.rejected]
    if not reading.entries:
        if not reading.rejected:
            return notes.back(
                session_id, "roster-import", "Paste at least one name, one person a line.", "error"
            )
        return notes.back(
            session_id,
            "roster-import",
            "Nobody was added: no line could be read. Correct the lines below, then import again.",
            "error",
            lines=lines,
            leftover=reading.leftover,
        )
    try:
        outcome = setup.add_candidates(get_redis(), me(), session_id, reading.entries, app_secret())
    except DomainError as exc:
        return notes.back(session_id, "roster-import", exc.message, "error", leftover=text)
    broadcast.publish(session_id, outcome.events)
    added = f"Added {_people(len(outcome.result))}."
    warning = _namesakes(session_id, [c["id"] for c in outcome.result])
    if not lines:
        return notes.back(session_id, "roster-import", added, warning=warning)
    count = len(lines)
    text = (
        f"{added} {count} line{' was' if count == 1 else 's were'} not added: "
        f"{'it is' if count == 1 else 'they are'} in the box below, to correct and import again."
    )
    return notes.back(
        session_id, "roster-import", text, "warning", lines=lines, leftover=reading.leftover, warning=warning
    )
