"""Acknowledgement shapes shared by every handler."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..domain.errors import DomainError
from ..input_errors import problems, sentences


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
    """Which fields were wrong, each with a plain sentence saying why."""
    return [{"field": p.path, "problem": p.message} for p in problems(exc)]


def describe(exc: ValidationError) -> str:
    """The problems in plain words, in one short paragraph."""
    return sentences(exc)
