"""The session set-up page through Flask's test client: each form's result in its own part of
the page, roster imports that keep what they could not read, namesakes, and Copy buttons."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator.store import sessions as session_store

from .builders import SessionBuilder
from .conftest import make_user
from .panel_helpers import running_panel

TEN_LINES = [
    "Ada Lovelace, ada@example.com",
    "Grace Hopper",
    "Katherine Johnson, katherine@example.com",
    "Alan Turing, not-an-email",
    "Mary Jackson",
    "Dorothy Vaughan, dorothy@example.com",
    "Edsger Dijkstra",
    "Barbara Liskov, barbara@example.com",
    ", nobody@example.com",
    "Frances Allen",
]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Part(HTMLParser):
    """The text inside the element with a given id (its descendants' text included)."""

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth, self.found, self.text = element_id, 0, False, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth, self.found = 1, True

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)


def text_of(page: str, element_id: str) -> str:
    """What a person reads inside one element of the page, spaces collapsed."""
    part = Part(element_id)
    part.feed(page)
    assert part.found, f"no element with id {element_id!r}"
    return " ".join("".join(part.text).split())


def new_session(client: FlaskClient, token: str) -> SessionBuilder:
    return SessionBuilder(client, token).create()


def page_of(client: FlaskClient, build: SessionBuilder) -> str:
    response = client.get(f"/sessions/{build.session_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def roster_names(page: str) -> list[str]:
    body = page.split('id="roster"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", name).replace("Same name", "").strip()
        for name in re.findall(r'<th scope="row">(.*?)</th>', body, re.S)
    ]


def test_import_of_ten_lines_with_two_bad_ones_adds_eight_and_names_lines_4_and_9(
    signed_in: FlaskClient, api_token: str
) -> None:
    build = new_session(signed_in, api_token)
    response = signed_in.post(
        f"/sessions/{build.session_id}/roster", data={"part": "import", "names": "\n".join(TEN_LINES)}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#import-candidates")
    page = page_of(signed_in, build)

    added = [line.split(",")[0] for n, line in enumerate(TEN_LINES) if n not in (3, 8)]
    assert roster_names(page) == added
    listed = build.call("get", f"/sessions/{build.session_id}/candidates", expect=200)
    assert [c["name"] for c in listed] == added

    result = text_of(page, "import-candidates")
    assert "Added 8 candidates. 2 lines were not added" in result
    assert "Line 4 “Alan Turing, not-an-email”: Email is not a valid email address" in result
    assert "Line 9 “, nobody@example.com”: Name is required." in result
    assert not re.search(r"Line (1|2|3|5|6|7|8|10)\b", result)
    assert text_of(page, "roster-names") == f"{TEN_LINES[3]} {TEN_LINES[8]}"
    # The result is beside the box, not in a banner at the top, and is shown once.
    assert 'class="flashes"' not in page
    assert "Added 8 candidates" not in text_of(page, "state")
    assert "Added 8 candidates" not in page_of(signed_in, build)


def test_a_csv_upload_keeps_its_unreadable_lines_in_the_box(signed_in: FlaskClient, api_token: str) -> None:
    build = new_session(signed_in, api_token)
    upload = b"\xef\xbb\xbfname,email\nAda Lovelace,ada@example.com\nLinus,linus@\n"
    signed_in.post(
        f"/sessions/{build.session_id}/roster",
        data={"part": "import", "csv": (io.BytesIO(upload), "people.csv")},
        content_type="multipart/form-data",
    )
    page = page_of(signed_in, build)
    assert roster_names(page) == ["Ada Lovelace"]
    assert "Line 3 “Linus,linus@”" in text_of(page, "import-candidates")
    assert text_of(page, "roster-names") == "Linus,linus@"


def test_a_list_with_no_readable_line_adds_nobody_and_says_why(
    signed_in: FlaskClient, api_token: str
) -> None:
    build = new_session(signed_in, api_token)
    signed_in.post(
        f"/sessions/{build.session_id}/roster", data={"part": "import", "names": "ada@example.com"}
    )
    page = page_of(signed_in, build)
    assert "Nobody was added" in text_of(page, "import-candidates")
    assert "email address with no name" in text_of(page, "import-candidates")
    assert build.call("get", f"/sessions/{build.session_id}/candidates", expect=200) == []
    signed_in.post(f"/sessions/{build.session_id}/roster", data={"part": "import", "names": " \n "})
    assert "Paste at least one name" in text_of(page_of(signed_in, build), "import-candidates")


def test_namesakes_are_flagged_at_import_and_asked_for_their_link_when_joining(
    app: Flask, signed_in: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = new_session(signed_in, api_token)
    signed_in.post(
        f"/sessions/{build.session_id}/roster", data={"part": "import", "names": "Sam Lee\nAda\nsam LÉE"}
    )
    page = page_of(signed_in, build)
    assert "Two people have the same name: Sam Lee and sam LÉE." in text_of(page, "import-candidates")
    assert page.count('<span class="badge badge-warning">Same name</span>') == 2
    build.state("open")

    phone = app.test_client()
    # A shared name cannot say which Sam is typing: the phone waits for the facilitator.
    phone.post("/join", data={"code": build.join_code, "name": "SAM LEE"})
    asked = phone.post("/join/privacy")
    assert asked.headers["Location"].endswith("/join/waiting")
    assert "personal link" in phone.get("/join/waiting").get_data(as_text=True)
    assert len(build.call("get", f"/sessions/{build.session_id}/candidates", expect=200)) == 3
    joined = phone.post("/join", data={"code": build.join_code, "name": "ada"})
    assert joined.status_code == 302
    by_api = signed_in.post(
        "/api/v1/join", json={"code": build.join_code, "name": "Sam Lee", "accept_privacy_notice": True}
    )
    assert by_api.status_code == 201 and by_api.get_json()["status"] == "waiting"
    assert [a["asked"] for a in build.call("get", f"/sessions/{build.session_id}/admissions")] == [
        "namesakes",
        "namesakes",
    ]
    token = next(iter(session_store.invite_tokens(r, build.session_id, app.config["SECRET_KEY"]).values()))
    assert phone.get(f"/i/{token}").headers["Location"].endswith("/join/privacy")


def test_a_candidate_not_added_keeps_what_was_typed_beside_the_error(
    signed_in: FlaskClient, api_token: str
) -> None:
    build = new_session(signed_in, api_token)
    response = signed_in.post(
        f"/sessions/{build.session_id}/roster", data={"part": "one", "name": "Sam Lee", "email": "sam@"}
    )
    assert response.headers["Location"].endswith("#add-candidate")
    page = page_of(signed_in, build)
    card = text_of(page, "add-candidate")
    assert "The candidate was not added" in card
    assert "Email is not a valid email address (like name@example.com)." in card
    assert 'value="Sam Lee"' in page and 'value="sam@"' in page
    assert 'aria-describedby="candidate-email-error"' in page
    assert build.call("get", f"/sessions/{build.session_id}/candidates", expect=200) == []

    signed_in.post(f"/sessions/{build.session_id}/roster", data={"part": "one", "name": "Sam Lee"})
    assert "Sam Lee is on the roster." in text_of(page_of(signed_in, build), "add-candidate")


def test_each_result_lands_in_the_part_of_the_page_that_sent_it(
    signed_in: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = new_session(signed_in, api_token)
    sid = build.session_id
    observer = make_user(r, "olive@example.com", "observer")

    created = signed_in.post(
        f"/sessions/{sid}/exercises/new", data={"title": "Tower", "duration_minutes": "10", "group_size": "4"}
    )
    assert created.headers["Location"].endswith("#exercises")
    assert "Exercise “Tower” saved." in text_of(page_of(signed_in, build), "exercises")

    tower = next(e["id"] for e in build.exercises() if e["title"] == "Tower")
    signed_in.post(f"/sessions/{sid}/exercises/{tower}/delete")
    assert "Exercise “Tower” removed." in text_of(page_of(signed_in, build), "exercises")

    signed_in.post(
        f"/sessions/{sid}/edit",
        data={"title": "Renamed centre", "competency_ids": ["teamwork", "communication", "leadership"]},
    )
    assert "Details saved." in text_of(page_of(signed_in, build), "details")

    signed_in.post(f"/sessions/{sid}/state", data={"state": "live"})
    assert "cannot become live" in text_of(page_of(signed_in, build), "state")
    signed_in.post(f"/sessions/{sid}/state", data={"state": "open"})
    assert "The session is now open" in text_of(page_of(signed_in, build), "state")

    signed_in.post(f"/sessions/{sid}/panel", data={"user_id": observer.id})
    assert "Olive is on the panel." in text_of(page_of(signed_in, build), "panel-members")
    signed_in.post(f"/sessions/{sid}/panel", data={"user_id": "nobody"})
    assert "There is no such staff account." in text_of(page_of(signed_in, build), "add-observer")

    invited = signed_in.post(f"/sessions/{sid}/panel/invite")
    assert invited.headers["Location"].endswith("#invite-observers")
    page = page_of(signed_in, build)
    card = text_of(page, "invite-observers")
    assert "New panel invite link, valid 7 days" in card
    link = re.search(r'id="new-invite-link" type="text" readonly[^>]*value="([^"]+)"', page)
    assert link is not None and "/panel/" in link.group(1)
    assert 'data-copy="new-invite-link"' in page
    assert signed_in.get(link.group(1).split("localhost", 1)[1]).status_code == 200
    signed_in.post(f"/sessions/{sid}/panel/revoke")
    assert "stopped working" in text_of(page_of(signed_in, build), "invite-observers")

    copied = signed_in.post(f"/sessions/{sid}/duplicate")
    copy_id = copied.headers["Location"].rsplit("/", 1)[1]
    assert "This is the new draft" in text_of(
        signed_in.get(f"/sessions/{copy_id}").get_data(as_text=True), "details"
    )


def test_every_link_on_the_page_has_a_copy_button(signed_in: FlaskClient, api_token: str) -> None:
    build = new_session(signed_in, api_token)
    build.call(
        "post",
        f"/sessions/{build.session_id}/candidates",
        {"candidates": [{"name": "Ada"}, {"name": "Grace"}]},
        expect=201,
    )
    signed_in.post(f"/sessions/{build.session_id}/panel/invite")
    page = page_of(signed_in, build)
    links = re.findall(r'<input id="([^"]+)" type="text" readonly class="invite-link"', page)
    buttons = re.findall(r'data-copy="([^"]+)"', page)
    assert len(links) == 4 and links == buttons  # join page, two personal links, the new invite
    assert 'Copy</span><span class="visually-hidden"> personal join link for Grace' in page


def test_owed_ratings_offer_a_confirmed_second_click_beside_the_state(
    client: FlaskClient, signed_in: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    panel = running_panel(client, r, api_token)
    panel.end()
    signed_in.post(f"/sessions/{panel.sid}/state", data={"state": "ended"})
    page = signed_in.get(f"/sessions/{panel.sid}").get_data(as_text=True)
    state = text_of(page, "state")
    assert "still owed" in state and "End session anyway" in state
    assert 'name="confirm" value="1"' in page
    signed_in.post(f"/sessions/{panel.sid}/state", data={"state": "ended", "confirm": "1"})
    assert "The session is now ended." in text_of(
        signed_in.get(f"/sessions/{panel.sid}").get_data(as_text=True), "state"
    )


def test_forms_sent_back_keep_the_order_the_user_saw(signed_in: FlaskClient, api_token: str) -> None:
    build = SessionBuilder(signed_in, api_token).create(
        competency_ids=["leadership", "teamwork", "communication"]
    )
    sid = build.session_id
    shown = lambda page: re.findall(r'name="competency_shown" value="([^"]+)"', page)  # noqa: E731
    checked = lambda page: re.findall(r'name="competency_ids" value="([^"]+)"\s+checked', page)  # noqa: E731

    # The session's own order comes first, so saving the form does not reorder it.
    edit = signed_in.get(f"/sessions/{sid}/edit").get_data(as_text=True)
    assert shown(edit)[:3] == ["leadership", "teamwork", "communication"]
    order = ["communication", "problem-solving", "leadership", "teamwork"]
    refused = signed_in.post(
        f"/sessions/{sid}/edit",
        data={"title": "", "competency_shown": order, "competency_ids": ["problem-solving", "teamwork"]},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Title is required." in page
    assert shown(page)[:4] == order and checked(page) == ["problem-solving", "teamwork"]

    refused = signed_in.post(
        f"/sessions/{sid}/exercises/new",
        data={
            "title": "Tower",
            "duration_minutes": "0",
            "group_size": "4",
            "competency_shown": ["communication", "leadership", "teamwork"],
            "competency_ids": ["teamwork", "communication"],
            "role_title_0": "Chair",
            "role_body_0": "Lead it.",
            "role_body_2": "Keep time.",
        },
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Duration must be at least 1 minute." in page
    assert '<span class="field-error" id="role_title_2-error">Title of role 3 is required.</span>' in page
    assert 'value="Chair"' in page and "Keep time." in page and "Lead it." in page
    assert shown(page) == ["communication", "leadership", "teamwork"]
    assert checked(page) == ["communication", "teamwork"]
