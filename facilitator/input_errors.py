"""Input that failed validation, said in plain words: one sentence per field.

Forms, the JSON API and socket acknowledgements all describe a pydantic `ValidationError`
through `problems()`, so a person reads "Duration must be at least 1 minute." wherever they
are, never the validator's own wording. Each sentence names the field with a label from the
tables below, then says what is wrong using the error's type and its limits (`ctx`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

# Field name -> what a person calls it.
LABELS = {
    "accept_privacy_notice": "Privacy notice",
    "admission_id": "Request to be let in",
    "admission_token": "Admission token",
    "anchors": "Rating scale",
    "answer": "Answer",
    "api_token": "API token",
    "blind_ratings": "Independent ratings",
    "body": "Brief",
    "brief": "Brief",
    "candidate_id": "Candidate",
    "candidates": "Candidates",
    "code": "Join code",
    "competency_id": "Competency",
    "competency_ids": "Competencies",
    "competency_weights": "Competency weights",
    "confirm": "Confirmation",
    "description": "Description",
    "development": "Development points",
    "duration_minutes": "Duration",
    "email": "Email",
    "evidence": "Evidence",
    "exercise_id": "Exercise",
    "exercise_weights": "Exercise weights",
    "group_id": "Group",
    "group_size": "Group size",
    "id": "Request id",
    "indicator_id": "Behaviour",
    "indicators": "Indicators",
    "introduction": "Introduction",
    "kind": "Kind",
    "last_seq": "Last event number",
    "location": "Location",
    "locked": "Lobby lock",
    "minutes": "Minutes",
    "name": "Name",
    "note": "Note",
    "observation_id": "Observation",
    "observer_id": "Observer",
    "observer_ids": "Observers",
    "order": "Order",
    "outcome": "Outcome",
    "output_prompt": "Group output",
    "password": "Password",
    "polarity": "Polarity",
    "question_id": "Question",
    "rationale": "Rationale",
    "reason": "Reason",
    "recorded_at": "Time recorded",
    "released": "Released",
    "role": "Role",
    "role_briefs": "Role briefs",
    "scheduled_start": "Scheduled start",
    "score": "Score",
    "scores": "Scores",
    "sections": "Sections",
    "session_id": "Session",
    "stage": "Stage",
    "state": "State",
    "strengths": "Strengths",
    "submit": "Submit",
    "text": "Text",
    "title": "Title",
    "token": "Token",
    "url": "Link",
    "user_id": "Staff account",
}

# The same field name means different things in different commands (the model's name first).
MODEL_LABELS = {
    ("Announce", "text"): "Announcement",
    ("AskQuestion", "text"): "Question",
    ("SubmitGroupOutput", "text"): "Group output",
    ("RosterText", "text"): "The list of names",
    ("SetFollowUp", "text"): "Follow-up note",
    ("FollowUpBody", "text"): "Follow-up note",
    ("SharePortfolio", "url"): "Portfolio link",
    ("NewAccount", "role"): "Account type",
    ("ExtendExercise", "minutes"): "Extra time",
    ("Minutes", "minutes"): "Extra time",
    ("Message", "text"): "Announcement",
    ("NoticeEdit", "text"): "The privacy notice",
    ("AuditQuery", "actor"): "Who",
    ("AuditQuery", "action"): "What",
    ("AuditQuery", "from"): "The From date",
    ("AuditQuery", "to"): "The To date",
    ("AuditQuery", "before"): "The page asked for",
    ("EraseBody", "confirm"): "Confirmation",
}

# Nested fields, with `*` for a list position ({n}, counted from 1) or a dictionary key ({key}).
PATH_LABELS = {
    "anchors.*": "Point {n} of the rating scale",
    "candidates.*": "Candidate {n}",
    "candidates.*.email": "Email of candidate {n}",
    "candidates.*.name": "Name of candidate {n}",
    "competency_ids.*": "Competency {n}",
    "competency_weights.*": "Weight of competency {key}",
    "exercise_weights.*": "Weight of exercise {key}",
    "indicators.*": "Indicator {n}",
    "indicators.*.id": "Indicator {n}",
    "indicators.*.polarity": "Polarity of indicator {n}",
    "indicators.*.text": "Indicator {n}",
    "observer_ids.*": "Observer {n}",
    "order.*": "Candidate {n} in the order",
    "role_briefs.*": "Role brief {n}",
    "role_briefs.*.body": "Private brief of role {n}",
    "role_briefs.*.title": "Title of role {n}",
    "scores.*": "Score for {key}",
    "scores.*.[key]": "Competency “{key}”",
    "scores.*.evidence": "Evidence for {key}",
    "scores.*.score": "Score for {key}",
    "sections.*": "Section {n}",
    "sections.*.competency_id": "Competency of section {n}",
    "sections.*.development": "What to develop in section {n}",
    "sections.*.strengths": "What went well in section {n}",
}

# Containers whose entries are named by a key rather than counted.
KEYED = frozenset({"scores", "exercise_weights", "competency_weights"})

# Numbers with a unit: field -> (one, many).
UNITS = {
    "duration_minutes": ("minute", "minutes"),
    "minutes": ("minute", "minutes"),
    "group_size": ("person", "people"),
}

_ID_PATTERN = re.compile(r"^\^\[A-Za-z0-9_-\]\{(\d+),(\d+)\}\$$")


@dataclass(frozen=True)
class Problem:
    """One field that was wrong: where (dotted path), the top-level field, and a sentence."""

    path: str
    field: str
    message: str


def problems(exc: ValidationError, labels: Mapping[str, str] | None = None) -> list[Problem]:
    """Each error of `exc` as a plain sentence; `labels` overrides the label of a path."""
    found = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        path = ".".join(str(p) for p in loc)
        subject = _subject(loc, exc.title, labels or {})
        found.append(
            Problem(path or "(payload)", str(loc[0]) if loc else "(payload)", _sentence(err, subject))
        )
    return found


def sentences(exc: ValidationError, most: int = 3) -> str:
    """The problems as one short paragraph: the first few sentences, and how many more."""
    unique = list(dict.fromkeys(p.message for p in problems(exc)))
    text = " ".join(unique[:most])
    if len(unique) > most:
        text += f" And {len(unique) - most} more."
    return text


def _label(name: str, model: str) -> str:
    return MODEL_LABELS.get((model, name)) or LABELS.get(name) or name.replace("_", " ").capitalize()


def _subject(loc: tuple[int | str, ...], model: str, overrides: Mapping[str, str]) -> str:
    """What to call the field at `loc`: an override, a nested label, or the field's label."""
    if not loc:
        return "The request"
    path = ".".join(str(p) for p in loc)
    if path in overrides:
        return overrides[path]
    pattern, number, key, after_keyed = [], None, None, False
    for part in loc:
        if isinstance(part, int):
            pattern.append("*")
            number = number if number is not None else part + 1
        elif after_keyed:
            pattern.append("*")
            key = key if key is not None else part
        else:
            pattern.append(part)
        after_keyed = isinstance(part, str) and part in KEYED and not after_keyed
    template = PATH_LABELS.get(".".join(pattern))
    if template is not None:
        return template.format(n=number, key=key)
    if len(loc) == 1:
        return _label(str(loc[0]), model)
    # Somewhere deeper with no label of its own: "Competency of section 2".
    words: list[str] = []
    for part in loc:
        if isinstance(part, int) and words:
            words[-1] = f"{words[-1]} {part + 1}"
        elif part != "[key]":
            words.append(_label(str(part), model))
    leaf, *rest = reversed(words)
    return f"{leaf} of {' '.join(w.lower() for w in reversed(rest))}" if rest else leaf


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _amount(value: Any, field: str) -> str:
    """A limit with its unit where the field has one: "1 minute", "50 people"."""
    unit = UNITS.get(field)
    if unit is None:
        return _number(value)
    return f"{_number(value)} {unit[0] if value == 1 else unit[1]}"


def _sentence(err: ErrorDetails, subject: str) -> str:
    """What is wrong, for one error, starting with the field's name."""
    kind, ctx = err["type"], err.get("ctx") or {}
    loc = err["loc"]
    field = next((str(p) for p in reversed(loc) if isinstance(p, str) and p != "[key]"), "")
    if kind == "missing":
        return f"{subject} is required."
    if kind == "extra_forbidden":
        name = ".".join(str(p) for p in loc)
        return f"There is no field called “{name}” here; remove it."
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return f"{subject} is required."
        return f"{subject} is too short: at least {ctx.get('min_length')} characters."
    if kind == "string_too_long":
        return f"{subject} is too long: at most {ctx.get('max_length')} characters."
    if kind == "string_pattern_mismatch":
        return _pattern_sentence(subject, str(ctx.get("pattern", "")))
    if kind == "too_short":
        return f"{subject}: at least {ctx.get('min_length')} needed."
    if kind == "too_long":
        return f"{subject}: too many, {ctx.get('max_length')} at most."
    limits = {
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
    }
    if kind in limits:
        words, name = limits[kind]
        return f"{subject} must be {words} {_amount(ctx.get(name), field)}."
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return f"{subject} must be a whole number."
    if kind in ("float_type", "float_parsing", "finite_number", "decimal_parsing", "decimal_type"):
        return f"{subject} must be a number."
    if kind in ("bool_type", "bool_parsing"):
        # JSON's true or false: strict input refuses "yes", 1 and "true" alike.
        return f"{subject} must be true or false."
    if kind in ("string_type", "string_unicode", "string_sub_type"):
        return f"{subject} must be text."
    if kind in ("enum", "literal_error"):
        return f"{subject} must be {ctx.get('expected', 'one of the choices offered')}."
    if kind.startswith(("datetime", "date_", "time_", "timezone")):
        return f"{subject} is not a valid date: enter a date and a time, like 2027-03-01 09:30."
    if kind in ("list_type", "tuple_type", "set_type", "frozen_set_type"):
        return f"{subject} must be a list."
    if kind in ("dict_type", "model_type", "model_attributes_type", "dataclass_type"):
        if not loc:
            return "Send an object with the fields this takes."
        return f"{subject} must be an object with its own fields."
    if kind == "none_required":
        return f"{subject} must be left empty."
    if kind in ("json_invalid", "json_type"):
        return "The request is not valid JSON."
    if kind.startswith("url"):
        return f"{subject} is not a valid web address."
    if kind == "multiple_of":
        return f"{subject} must be a multiple of {_number(ctx.get('multiple_of'))}."
    if kind in ("value_error", "assertion_error") and ctx.get("error"):
        # Our own validators raise sentences written for people.
        return f"{subject}: {str(ctx['error']).rstrip('.')}."
    return f"{subject} is not valid."


def _pattern_sentence(subject: str, pattern: str) -> str:
    if "@" in pattern:
        return f"{subject} is not a valid email address (like name@example.com)."
    ids = _ID_PATTERN.match(pattern)
    if ids:
        low, high = ids.groups()
        size = f"at most {high}" if low == "1" else f"{low} to {high}"
        return f"{subject} is not valid: use {size} letters, digits, hyphens or underscores."
    return f"{subject} is not in the form expected."
