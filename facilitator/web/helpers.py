"""Small things every staff page needs: the signed-in account, loading a managed session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import abort
from flask_login import current_user

from ..domain.errors import DomainError
from ..domain.models import SessionData
from ..services.access import require_manager
from ..store import get_redis, unit
from ..store.users import StaffUser


def me() -> StaffUser:
    """The signed-in staff account."""
    return current_user.account


def app_secret() -> str:
    """The app's SECRET_KEY, from which personal invite links are derived (store/invites.py)."""
    from flask import current_app

    return str(current_app.config["SECRET_KEY"])


def managed(session_id: str) -> SessionData:
    """A session the signed-in user runs, or 404."""
    try:
        data = unit.load(get_redis(), session_id)
        require_manager(data.session, me())
    except DomainError:
        abort(404, "There is no such session, or it is not yours to run.")
    return data


def parse_local_datetime(value: str, offset_minutes: str | None) -> datetime | None:
    """A datetime-local field plus the browser's UTC offset, as an aware UTC instant."""
    value = value.strip()
    if not value:
        return None
    local = datetime.fromisoformat(value)
    try:
        offset = int(offset_minutes or 0)
    except ValueError:
        offset = 0
    if not -840 <= offset <= 840:
        offset = 0
    # getTimezoneOffset() is minutes *behind* UTC, so local + offset = UTC.
    return (local + timedelta(minutes=offset)).replace(tzinfo=UTC)


def safe_next(target: str | None) -> str | None:
    """A same-site path to go to next, or None (never another site).

    Only a path from the root is let through: no scheme or host (`https:evil`, `//evil`), no
    backslash (browsers read `/\\evil` as `//evil`), and no control character or space, which
    browsers drop from a URL before reading it (`/\t/evil` is `//evil` to them)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute link for people elsewhere (phones, invitees): FACILITATOR_PUBLIC_URL when
    set, else the address this request came to."""
    from flask import current_app, request, url_for

    base = current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")
    return base + url_for(endpoint, **values)
