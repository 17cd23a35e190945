"""Erasing one candidate from a session: the rules, on plain data.

What was theirs goes: their roster entry, questions, the observations and ratings about them,
their review record, their requests. Where the session's shape needs a member (a group of the
exercises run), a tombstone id stands in for them: a new random id that names no one, so
groups keep their size and the runs stay valid. What others wrote that mentions them by full
name or email keeps its words, with the mention replaced by "[erased]".

Stored records and the session's event log are JSON; `scrub` walks any of it: a record about
the candidate (its `candidate_id` is theirs, or it is their own entry, with their id and a
name) is dropped; so is their id in a list and a key that is their id; their id elsewhere
becomes the tombstone; then `redact` replaces every mention of their name or email in text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .models import SessionData

ERASED_NAME = "Erased candidate"
REDACTED = "[erased]"
# A log entry that told of the candidate is kept (sequence ids stay gapless) but says nothing
# and is shown to no one.
ERASED_EVENT = "entry_erased"


class _Drop:
    """Marks a value about the erased candidate, to be left out of its container."""


DROP = _Drop()


@dataclass(frozen=True)
class Person:
    """The candidate being erased, and the words that must not survive them."""

    candidate_id: str
    tombstone: str
    name: str
    email: str = ""
    patterns: tuple[re.Pattern[str], ...] = field(default=(), compare=False)

    @classmethod
    def of(
        cls, candidate_id: str, tombstone: str, name: str, email: str | None, by_name: bool = True
    ) -> Person:
        """The person, with their name and email as case-insensitive patterns to redact. With
        `by_name` false (someone else in the session has the same name), mentions are found by
        email only: the name alone cannot tell which of them is meant."""
        words = [w for w in ((name.strip() if by_name else ""), (email or "").strip()) if w]
        return cls(
            candidate_id,
            tombstone,
            name,
            email or "",
            tuple(re.compile(re.escape(w), re.IGNORECASE) for w in words),
        )

    def mentioned(self, text: str) -> bool:
        """Whether `text` still names them (their id, name or email)."""
        return self.candidate_id in text or any(p.search(text) for p in self.patterns)


def _about(value: dict[str, Any], cid: str) -> bool:
    return value.get("candidate_id") == cid or (value.get("id") == cid and "name" in value)


def scrub(value: Any, person: Person) -> Any:
    """`value` without the candidate (see the module doc), or DROP when it is about them."""
    cid = person.candidate_id
    if isinstance(value, dict):
        if _about(value, cid):
            return DROP
        kept = {}
        for key, item in value.items():
            if key == cid:
                continue
            cleaned = scrub(item, person)
            if cleaned is DROP:
                return DROP  # a record about them inside a record: the whole is theirs
            kept[key] = cleaned
        return kept
    if isinstance(value, list):
        cleaned_items = [scrub(item, person) for item in value if item != cid]
        return [item for item in cleaned_items if item is not DROP]
    if value == cid:
        return person.tombstone
    return value


def redact(value: Any, person: Person) -> Any:
    """`value` with every mention of the candidate's name or email in its text replaced."""
    if isinstance(value, dict):
        return {key: redact(item, person) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, person) for item in value]
    if isinstance(value, str):
        for pattern in person.patterns:
            value = pattern.sub(REDACTED, value)
    return value


def clean(value: Any, person: Person) -> Any:
    """Scrub, then redact; DROP when the value is about the candidate."""
    scrubbed = scrub(value, person)
    return DROP if scrubbed is DROP else redact(scrubbed, person)


def clean_json(raw: str, person: Person) -> str | None:
    """A stored JSON value cleaned: None to delete it, else its new text (unchanged if clean)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw  # a counter or a token nonce: nothing of theirs
    cleaned = clean(value, person)
    if cleaned is DROP:
        return None
    if cleaned == value:
        return raw
    return json.dumps(cleaned, ensure_ascii=False, separators=(",", ":"))


def clean_log_entry(raw: str, person: Person) -> str:
    """An event log entry cleaned; one still naming them becomes an empty entry nobody sees."""
    body = json.loads(raw)
    audience = body.get("audience", {})
    candidates = audience.get("candidates")
    data = clean(body.get("data"), person)
    if isinstance(candidates, list):
        audience = {**audience, "candidates": [c for c in candidates if c != person.candidate_id]}
    if data is not DROP:
        rewritten = {**body, "data": data, "audience": audience}
        text = json.dumps(rewritten, ensure_ascii=False, separators=(",", ":"))
        if not person.mentioned(text):
            return raw if rewritten == body else text
    nobody = {"managers": False, "observers": [], "candidates": []}
    return json.dumps({"type": ERASED_EVENT, "data": {}, "audience": nobody, "at": body.get("at")})


def field_is_theirs(field_name: str, person: Person) -> bool:
    """Whether a hash field is keyed by the candidate ("<exercise>:<candidate>:<observer>",
    "c:<candidate>:<request>", or their id alone)."""
    return person.candidate_id in field_name.split(":")


def erase_from_session(data: SessionData, person: Person) -> None:
    """Take the candidate out of the session's live data (roster, questions, groups, observer
    assignments, group outputs, announcements), leaving the tombstone where structure needs it."""
    cid, tombstone = person.candidate_id, person.tombstone
    data.candidates.pop(cid, None)
    for run in data.session.runs.values():
        for group in run.groups:
            group.members = [tombstone if m == cid else m for m in group.members]
            if cid in group.roles:
                group.roles = {(tombstone if k == cid else k): v for k, v in group.roles.items()}
        run.observers.pop(cid, None)
    for question_id in [q.id for q in data.questions.values() if q.candidate_id == cid]:
        del data.questions[question_id]
    for question in data.questions.values():
        question.text = redact(question.text, person) or REDACTED
        question.answer = redact(question.answer, person) if question.answer else question.answer
    for output in data.outputs.values():
        if output.submitted_by == cid:
            output.submitted_by = tombstone
        output.text = redact(output.text, person)
    for announcement in data.announcements:
        if announcement.sent_to:
            announcement.sent_to = [tombstone if c == cid else c for c in announcement.sent_to]
        announcement.text = redact(announcement.text, person)
