"""Safe Markdown for exercise briefs, role briefs and other text facilitators write.

Markdown is rendered with raw HTML switched off and the result is then sanitised
against an allow-list, so that neither the parser nor a future option can let a
script, an event handler or a `javascript:` link through to a candidate's page.
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "del", "s", "ul", "ol", "li",
        "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "code", "pre",
        "table", "thead", "tbody", "tr", "th", "td", "a", "hr",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
# Column alignment travels as a class: pages forbid inline styles (Content-Security-Policy).
ALIGN_CLASSES = frozenset({"align-left", "align-center", "align-right"})
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

_WHITESPACE = re.compile(r"\s+")


def render_markdown(source: str) -> str:
    """Markdown to sanitised HTML; empty or blank source gives an empty string."""
    if not source or not source.strip():
        return ""
    tokens = _PARSER.parse(source)
    for token in tokens:
        if token.type in ("th_open", "td_open") and token.attrs.get("style"):
            align = str(token.attrs.pop("style")).removeprefix("text-align:")
            token.attrs["class"] = f"align-{align}"
    return nh3.clean(
        _PARSER.renderer.render(tokens, _PARSER.options, {}),
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        allowed_classes={"th": set(ALIGN_CLASSES), "td": set(ALIGN_CLASSES)},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
    )


def plain_text(source: str, limit: int = 200) -> str:
    """Markdown as a one-line plain-text excerpt of at most `limit` characters, for previews.

    The result is text, not HTML: templates must escape it (Jinja does by default).
    """
    rendered = render_markdown(source)
    if not rendered:
        return ""
    # nh3 keeps entities escaped; unescape once so the template's own escaping is not doubled.
    text = html.unescape(nh3.clean(rendered, tags=set()))
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1].rstrip()
    # Prefer to end on a whole word unless that would throw away most of the excerpt.
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space].rstrip()
    return cut + "…"
