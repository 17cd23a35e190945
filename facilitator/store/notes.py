"""Notes for the set-up page: the result of a form, kept until the page shows it once.

A form posts, the browser is redirected back to the part of the page it came from, and the
page shows the note beside that form. Notes live in Redis rather than the cookie because a
rejected roster import carries the lines to correct, which can be longer than a cookie holds.
"""

from __future__ import annotations

import json
from typing import Any, cast

import redis

from . import keys

NOTE_TTL_S = 600  # a note nobody came back for is dropped; it may name candidates


def leave(r: redis.Redis, session_id: str, user_id: str, note: dict[str, Any]) -> None:
    """Keep a note for this user's next view of the session's set-up page."""
    r.set(keys.setup_note(session_id, user_id), json.dumps(note), ex=NOTE_TTL_S)


def take(r: redis.Redis, session_id: str, user_id: str) -> dict[str, Any] | None:
    """The waiting note, removed as it is read (GETDEL), or None."""
    raw = cast(str | None, r.getdel(keys.setup_note(session_id, user_id)))
    return cast(dict[str, Any], json.loads(raw)) if raw else None
