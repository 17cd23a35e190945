"""What the set-up page's forms did, shown beside the form that did it.

Each form on the page posts, leaves a note naming its place on the page, and redirects to
that place's anchor; the page then renders the note there (not in a banner at the top).
"""

from __future__ import annotations

from typing import Any

from flask import redirect, url_for
from werkzeug.wrappers import Response

from ..store import get_redis, notes
from .helpers import me

# Place on the set-up page -> (the part of the page it is in, the anchor the browser goes to).
PLACES = {
    "state": ("", "state"),
    "details": ("details", "details"),
    "exercises": ("exercises", "exercises"),
    "roster-add": ("roster", "add-candidate"),
    "roster-import": ("roster", "import-candidates"),
    "panel-add": ("panel", "add-observer"),
    "panel-members": ("panel", "panel-members"),
    "panel-invite": ("panel", "invite-observers"),
    "co-facilitators": ("panel", "co-facilitators"),
}


def anchor_url(session_id: str, place: str) -> str:
    """The set-up page, scrolled to `place`."""
    return url_for("sessions.show", session_id=session_id) + "#" + PLACES[place][1]


def back(
    session_id: str, place: str, text: str, kind: str = "success", *, jump: bool = True, **extra: Any
) -> Response:
    """Leave a note for `place` (kind: success, warning or error) and go back to it.

    With `jump` false the address carries no anchor (a page just created opens at its top);
    the page still opens the part the note belongs to."""
    note = {"place": place, "section": PLACES[place][0], "kind": kind, "text": text, **extra}
    notes.leave(get_redis(), session_id, me().id, note)
    if not jump:
        return redirect(url_for("sessions.show", session_id=session_id))
    return redirect(anchor_url(session_id, place))


def take(session_id: str) -> dict[str, Any] | None:
    """The note waiting for the signed-in user on this session's set-up page, if any."""
    return notes.take(get_redis(), session_id, me().id)
