"""The organisation's branding on candidates' pages: its name, accent colour and logo.

Pure rules: what a valid colour and logo are, and which text colour keeps a button in the
accent colour readable (WCAG AA, 4.5:1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator
from pydantic_core import PydanticCustomError

MAX_ORGANISATION = 80
MAX_LOGO_BYTES = 200 * 1024
WHITE = "#ffffff"
BLACK = "#000000"
AA_TEXT = 4.5  # contrast for normal-size text
AA_EDGE = 3.0  # contrast for a control's edge against the page
DEFAULT_EDGE = "#1b2430"  # outlines a pale accent's buttons on the white page

_HEX = re.compile(r"^#[0-9a-f]{6}$")
_OWN_ERRORS = frozenset({"organisation_too_long", "accent_not_a_colour"})
# The first bytes of each accepted image type. SVG is refused: it can carry scripts and links.
_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


@dataclass(frozen=True)
class Brand:
    """What candidates see of the organisation; empty fields are not shown."""

    organisation: str = ""
    accent: str = ""  # "#rrggbb", or "" for the product's own colours
    logo_type: str = ""  # the stored logo's content type, or "" for none
    version: int = 0  # bumped on every change: the stylesheet's and logo's cache key

    @property
    def shown(self) -> bool:
        """Whether candidates' pages carry anything of it."""
        return bool(self.organisation or self.logo_type)

    @property
    def on_accent(self) -> str:
        """Text colour on the accent: white or black, whichever reads better."""
        return text_on(self.accent) if self.accent else WHITE

    @property
    def edge(self) -> str:
        """Outline of an accent button, visible against the white page."""
        if not self.accent or contrast(self.accent, WHITE) >= AA_EDGE:
            return self.accent
        return DEFAULT_EDGE


class BrandingForm(BaseModel):
    """The admin's branding form, before the logo (which arrives as a file)."""

    model_config = ConfigDict(extra="forbid")
    organisation: Annotated[str, StringConstraints(strip_whitespace=True)] = ""
    accent: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True)] = ""
    remove_logo: bool = False

    @field_validator("organisation")
    @classmethod
    def _organisation(cls, value: str) -> str:
        if len(value) > MAX_ORGANISATION:
            raise PydanticCustomError(
                "organisation_too_long",
                f"The organisation's name can be at most {MAX_ORGANISATION} characters; "
                f"this one has {len(value)}.",
            )
        return value

    @field_validator("accent")
    @classmethod
    def _accent(cls, value: str) -> str:
        if value and not value.startswith("#"):
            value = "#" + value
        if value and not _HEX.match(value):
            raise PydanticCustomError(
                "accent_not_a_colour",
                "Write the accent colour as # and six hexadecimal digits, for example #1f6feb, "
                "or leave it empty for the standard colours.",
            )
        return value


def read_form(raw: dict[str, Any]) -> tuple[BrandingForm | None, dict[str, str]]:
    """The form as a typed value, or None and a plain message for each field that is wrong."""
    try:
        return BrandingForm.model_validate(raw), {}
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "form"
            # Our own validators word their messages for people; anything else is a form we
            # did not send (the fields are text and one checkbox).
            plain = err["type"] in _OWN_ERRORS
            problems.setdefault(
                field, err["msg"] if plain else "This form was not sent by the Branding page."
            )
        return None, problems


def logo_type(data: bytes) -> str | None:
    """The content type of an accepted logo (PNG or JPEG, told by its first bytes), else None."""
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    return None


def logo_problem(data: bytes) -> str | None:
    """Why this file cannot be the logo, in plain words; None when it can."""
    if not data:
        return "The logo file is empty."
    if len(data) > MAX_LOGO_BYTES:
        return f"The logo is {_kb(len(data))} KB; it can be at most {MAX_LOGO_BYTES // 1024} KB."
    if logo_type(data) is None:
        head = data[:512].lstrip().lower()
        if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
            return "SVG logos are not accepted, because they can carry scripts. Upload a PNG or JPEG."
        return "The logo must be a PNG or JPEG image; this file is neither."
    return None


def _kb(size: int) -> int:
    return -(-size // 1024)  # rounded up, so 200 KB and one byte reads as 201 KB


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """Relative luminance of "#rrggbb" (WCAG 2.x)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """Contrast ratio between two "#rrggbb" colours, from 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(background: str) -> str:
    """White or black text on `background`, whichever contrasts more (always at least 4.58:1)."""
    return WHITE if contrast(background, WHITE) >= contrast(background, BLACK) else BLACK
