"""Acknowledgement shapes shared by every handler."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..domain.errors import DomainError


def ok(result: Any = None, **extra: Any) -> dict[str, Any]:
    """A successful acknowledgement."""
    return {"ok": True, "result": result, **extra}


def error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """A refused request: a stable code and a sentence for people."""
    return {"ok": False, "error": {"code": code, "message": message, **extra}}


def from_exception(exc: Exception) -> dict[str, Any]:
    """Turn an expected failure into an acknowledgement."""
    if isinstance(exc, DomainError):
        return error(exc.code, exc.message)
    if isinstance(exc, ValidationError):
        return error("invalid", describe(exc), fields=fields(exc))
    raise exc


def fields(exc: ValidationError) -> list[dict[str, str]]:
    """Which fields were wrong and why."""
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "(payload)", "problem": e["msg"]}
        for e in exc.errors()
    ]


def describe(exc: ValidationError) -> str:
    """One sentence naming the first problem."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "the payload"
    return f"{where}: {first['msg']}"
