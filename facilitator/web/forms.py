"""Reading HTML forms into typed commands, and showing what was wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..input_errors import problems

M = TypeVar("M", bound=BaseModel)


def messages(
    exc: ValidationError,
    labels: Mapping[str, str] | None = None,
    keys: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Form field -> a sentence a person understands (the first problem of each field).

    A problem is filed under its top-level field, or under `keys[path]` when the form shows
    that path in a field of its own (a role brief's title, say)."""
    found: dict[str, str] = {}
    for problem in problems(exc, labels):
        found.setdefault((keys or {}).get(problem.path, problem.field), problem.message)
    return found


def parse(
    model: type[M],
    raw: dict[str, Any],
    labels: Mapping[str, str] | None = None,
    keys: Mapping[str, str] | None = None,
) -> tuple[M | None, dict[str, str]]:
    """The command, or None and the problems by form field."""
    try:
        # A form sends only text, so "5" must read as 5 here: commands are strict for JSON.
        return model.model_validate(raw, strict=False), {}
    except ValidationError as exc:
        return None, messages(exc, labels, keys)
