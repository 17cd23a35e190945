"""Acknowledgement shapes shared by every handler."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from ..domain.errors import DomainError
from ..input_errors import problems, sentences
from ..store import client as storage


def ok(result: Any = None, **extra: Any) -> dict[str, Any]:
    """A successful acknowledgement."""
    return {"ok": True, "result": result, **extra}


def error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """A refused request: a stable code and a sentence for people."""
    return {"ok": False, "error": {"code": code, "message": message, **extra}}


UNAVAILABLE = "The server could not store that just now; it will be sent again."
OUTCOME_UNKNOWN = (
    "The server lost its connection to storage while saving; it may or may not have been saved. "
    "Send it again: a retry with the same id is safe."
)

log = logging.getLogger("facilitator.storage")


def extra_arguments(event: str, count: int) -> dict[str, Any]:
    """The answer to an event sent with more than its one payload (a client's bug, said plainly)."""
    more = "another argument" if count == 1 else f"{count} more arguments"
    return error("invalid", f"{event} takes one object; {more} came with it. Send the fields in the object.")


CANNOT_CONNECT = "The server cannot reach its storage right now; your device will connect again shortly."


def storage_failed(what: str, exc: Exception, *, write: bool = True) -> dict[str, Any]:
    """The answer when Redis failed: `outcome_unknown` if a write of this request had gone
    out, else `unavailable` (always, for a connection: it saves nothing of the client's).
    Logged in one line: the failure is Redis's, not a bug here."""
    code = storage.failure_code() if write else "unavailable"
    log.warning("storage failed during %s (%s): %s", what, code, exc)
    if not write:
        return error(code, CANNOT_CONNECT)
    return error(code, OUTCOME_UNKNOWN if code == "outcome_unknown" else UNAVAILABLE)


def from_exception(exc: Exception) -> dict[str, Any]:
    """Turn an expected failure into an acknowledgement."""
    if isinstance(exc, DomainError):
        return error(exc.code, exc.message)
    if isinstance(exc, ValidationError):
        return error("invalid", describe(exc), fields=fields(exc))
    raise exc


def fields(exc: ValidationError) -> list[dict[str, str]]:
    """Which fields were wrong, each with a plain sentence saying why."""
    return [{"field": p.path, "problem": p.message} for p in problems(exc)]


def describe(exc: ValidationError) -> str:
    """The problems in plain words, in one short paragraph."""
    return sentences(exc)
