"""The privacy notice candidates read before they check in: its standard text, the admin's
own text, and how either becomes the sections of the page.

The notice is Markdown, rendered through the project's sanitiser (facilitator/text.py), so an
admin's text can format but never script. `{retention_days}` stands for the retention period
in days, filled in from the configuration wherever the notice is shown.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from ..text import render_markdown

MAX_NOTICE = 20_000
RETENTION_PLACEHOLDER = "{retention_days}"

DEFAULT_NOTICE = """\
## What we record

- Your name, and your email address if the organiser added it to the list of candidates.
- The time you check in, compared with the scheduled start.
- Which group you are in for each exercise, and what your group submits.
- Questions you ask the panel through this page.
- A link to your portfolio, only if you choose to share one.
- The panel's notes and ratings of how you work with others during the exercises.

## Who sees it

The hiring team running this session and its panel of assessors.

Other candidates never see it. Your team-mates only see your name.

## How long we keep it

For {retention_days} days after the session; then it is deleted.

You can ask the organiser for a copy of your data, or ask for it to be deleted sooner.

## Who decides

People make the hiring decisions, not a computer. Nothing here rejects anyone automatically.
"""

NoticeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NOTICE)]


class NoticeEdit(BaseModel):
    """An admin's new privacy notice (Markdown)."""

    model_config = ConfigDict(extra="forbid")

    text: NoticeText


_FENCE = re.compile(r"^(```|~~~)")
_SECTION = re.compile(r"^## ")


def filled(source: str, retention_days: int) -> str:
    """The notice's Markdown with the retention period written in."""
    return source.replace(RETENTION_PLACEHOLDER, str(retention_days))


def sections(source: str, retention_days: int) -> list[str]:
    """The notice as sanitised HTML, one piece per second-level heading (each is a box on the
    phone); text before the first heading is a piece of its own."""
    chunks: list[list[str]] = [[]]
    fenced = False
    for line in filled(source, retention_days).splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and _SECTION.match(line) and chunks[-1]:
            chunks.append([])
        chunks[-1].append(line)
    rendered = (render_markdown("\n".join(chunk)) for chunk in chunks)
    return [html for html in rendered if html]


def mentions_retention(source: str) -> bool:
    """Whether the text says how long data is kept (it should; the editor warns otherwise)."""
    return RETENTION_PLACEHOLDER in source
