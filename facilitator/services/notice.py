"""The privacy notice candidates read before checking in: the standard text or an admin's.

Only admins change it; each change is recorded in the audit log. Candidates read it as the
sanitised HTML of domain/privacy.py, the retention period filled in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from ..domain import privacy as notice_rules
from ..domain.audit import AuditAction
from ..domain.errors import Forbidden
from ..store import audit as audit_store
from ..store import privacy as privacy_store
from ..store import users as user_store
from ..store.users import StaffUser
from . import audit


@dataclass(frozen=True)
class Notice:
    """The privacy notice as it stands: its Markdown, whether an admin wrote it, and when."""

    text: str
    custom: bool
    updated_at: float | None = None
    updated_by: str = ""


def notice(r: redis.Redis) -> Notice:
    """The notice candidates read: the admin's, or the standard one."""
    stored = privacy_store.notice(r)
    if stored is None:
        return Notice(notice_rules.DEFAULT_NOTICE, custom=False)
    by = user_store.get(r, stored.updated_by) if stored.updated_by else None
    return Notice(stored.text, True, stored.updated_at, by.name if by is not None else "")


def candidate_notice(r: redis.Redis, retention_days: int) -> list[str]:
    """The notice as the phone shows it: sanitised HTML, one piece per box."""
    return notice_rules.sections(notice(r).text, retention_days)


def _admin(user: StaffUser) -> None:
    if user.role != "admin":
        raise Forbidden("not_admin", "Only admins change the privacy notice.")


def save_notice(r: redis.Redis, user: StaffUser, edit: notice_rules.NoticeEdit) -> None:
    """An admin's new notice, shown to every candidate from their next join."""
    _admin(user)
    entry = audit.entry(user, AuditAction.EDITED_PRIVACY_NOTICE, detail=f"{len(edit.text)} characters")
    privacy_store.save_notice(
        r, edit.text, user.id, time.time(), lambda pipe: audit_store.append(pipe, entry, audit.KEEP_DAYS)
    )


def reset_notice(r: redis.Redis, user: StaffUser) -> None:
    """Go back to the standard notice."""
    _admin(user)
    entry = audit.entry(user, AuditAction.EDITED_PRIVACY_NOTICE, detail="back to the standard text")
    privacy_store.reset_notice(r, lambda pipe: audit_store.append(pipe, entry, audit.KEEP_DAYS))
