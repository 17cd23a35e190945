"""Markdown written by facilitators reaches candidates as safe HTML."""

from __future__ import annotations

from html.parser import HTMLParser

from facilitator.text import plain_text, render_markdown


class _Tags(HTMLParser):
    """Collects every start tag and its attributes from an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_in(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """The start tags of `html` with their attributes, as a browser would see them."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def test_script_in_a_brief_is_shown_as_text_not_run() -> None:
    html = render_markdown("Read this <script>alert('x')</script> carefully.")
    assert "<script" not in html.lower()
    assert all(tag != "script" for tag, _ in tags_in(html))
    assert "&lt;script&gt;" in html


def test_javascript_links_are_dropped() -> None:
    sources = [
        "[click](javascript:alert(1))",
        "<javascript:alert(1)>",
        "[click](JaVaScRiPt:alert(1))",
        "[click][ref]\n\n[ref]: javascript:alert(1)",
    ]
    for source in sources:
        html = render_markdown(source)
        hrefs = [attrs.get("href") or "" for tag, attrs in tags_in(html) if tag == "a"]
        assert not any("javascript" in href.lower() for href in hrefs), source


def test_web_links_are_kept_and_open_without_referrer_or_opener() -> None:
    [attrs] = [attrs for tag, attrs in tags_in(render_markdown("[x](https://e.x)")) if tag == "a"]
    assert attrs["href"] == "https://e.x"
    assert set((attrs["rel"] or "").split()) >= {"noopener", "noreferrer", "nofollow"}


def test_mailto_links_are_kept_but_other_schemes_are_not() -> None:
    html = render_markdown("[mail](mailto:panel@example.com) [data](data:text/html,hi)")
    hrefs = [attrs.get("href") for tag, attrs in tags_in(html) if tag == "a"]
    assert hrefs == ["mailto:panel@example.com"]


def test_event_handler_attributes_never_appear() -> None:
    html = render_markdown(
        '<img src=x onerror="alert(1)">\n\n![pic](x.png "t")\n\n'
        '[a](https://e.x "onerror=alert(1)")\n\n<a href="#" onclick="alert(1)">b</a>'
    )
    for _tag, attrs in tags_in(html):
        assert not any(name.startswith("on") for name in attrs), attrs
    assert all(tag != "img" for tag, _ in tags_in(html))


def test_tables_render_with_alignment_as_classes_not_inline_styles() -> None:
    html = render_markdown("| Role | Time |\n|:-----|-----:|\n| Chair | 5 min |")
    found = tags_in(html)
    names = [tag for tag, _ in found]
    assert names[:2] == ["table", "thead"]
    assert "tbody" in names
    assert "<td" in html and "Chair" in html
    cells = [attrs for tag, attrs in found if tag in {"th", "td"}]
    assert {attrs.get("class") for attrs in cells} == {"align-left", "align-right"}
    assert not any("style" in attrs for attrs in cells)


def test_headings_lists_and_emphasis_render() -> None:
    html = render_markdown("# Brief\n\n## Your task\n\n- one\n- two\n\n1. first\n\n**bold** *it* ~~gone~~")
    names = [tag for tag, _ in tags_in(html)]
    for expected in ["h1", "h2", "ul", "ol", "li", "strong", "em", "s"]:
        assert expected in names, expected


def test_empty_or_blank_source_renders_nothing() -> None:
    assert render_markdown("") == ""
    assert render_markdown("   \n\t ") == ""
    assert plain_text("") == ""


def test_plain_text_strips_markup_and_collapses_whitespace() -> None:
    assert plain_text("# Title\n\nSome **bold**\n\n- and & more") == "Title Some bold and & more"


def test_plain_text_is_truncated_with_an_ellipsis() -> None:
    excerpt = plain_text("word " * 100, limit=40)
    assert len(excerpt) <= 40
    assert excerpt.endswith("…")
    assert plain_text("short", limit=40) == "short"
