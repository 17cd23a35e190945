"""How a group's output is shown to its members and to staff."""

from __future__ import annotations

from typing import Any

from .models import GroupOutput, SessionData


def output_view(data: SessionData, output: GroupOutput) -> dict[str, Any]:
    """A group output with the submitter's name."""
    who = data.candidates.get(output.submitted_by)
    return {**output.model_dump(), "submitted_by_name": who.name if who else ""}
