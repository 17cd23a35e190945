"""Reading HTML forms into typed commands, and showing what was wrong."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

FIELD_LABELS = {
    "title": "Title",
    "name": "Name",
    "email": "Email",
    "brief": "Brief",
    "duration_minutes": "Duration",
    "group_size": "Group size",
    "code": "Join code",
    "scheduled_start": "Scheduled start",
    "role": "Role",
    "location": "Location",
}


def messages(exc: ValidationError) -> dict[str, str]:
    """Field name -> a sentence a person understands."""
    found: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "form"
        label = FIELD_LABELS.get(field, field.replace("_", " ").capitalize())
        ctx = err.get("ctx") or {}
        kind = err["type"]
        if kind == "string_too_short":
            text = f"{label} is required." if ctx.get("min_length") == 1 else f"{label} is too short."
        elif kind == "string_too_long":
            text = f"{label} can be at most {ctx.get('max_length')} characters."
        elif kind in ("int_parsing", "int_type"):
            text = f"{label} must be a whole number."
        elif kind in ("greater_than_equal", "less_than_equal"):
            text = f"{label} is out of range ({err['msg'].lower()})."
        elif kind.startswith(("datetime", "date_")):
            text = f"{label}: enter a date and a time."
        elif kind == "string_pattern_mismatch":
            text = f"{label} is not valid."
        else:
            text = f"{label}: {err['msg']}"
        found.setdefault(field, text)
    return found


def parse(model: type[M], raw: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    """The command, or None and the problems by field."""
    try:
        return model.model_validate(raw), {}
    except ValidationError as exc:
        return None, messages(exc)
