"""Staff pages: forms that explain what is wrong and change nothing, and ones that work."""

from __future__ import annotations

import redis
from flask.testing import FlaskClient

from facilitator.store import sessions as session_store


def create(client: FlaskClient) -> str:
    response = client.post(
        "/sessions/new",
        data={"title": "Spring graduate centre", "competency_ids": ["teamwork", "communication"]},
    )
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[1]


def test_session_form_explains_missing_title_and_stores_nothing(
    signed_in: FlaskClient, r: redis.Redis
) -> None:
    response = signed_in.post("/sessions/new", data={"title": "  ", "competency_ids": ["teamwork"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Title is required." in page and 'aria-invalid="true"' in page
    assert session_store.list_all(r) == []


def test_bad_start_date_is_explained(signed_in: FlaskClient) -> None:
    response = signed_in.post("/sessions/new", data={"title": "Centre", "scheduled_start": "31/02/2027 9am"})
    assert response.status_code == 400 and "enter a date and a time" in response.get_data(as_text=True)


def test_scheduled_start_is_kept_in_utc(signed_in: FlaskClient, r: redis.Redis) -> None:
    response = signed_in.post(
        "/sessions/new", data={"title": "Centre", "scheduled_start": "2027-03-01T09:30", "tz_offset": "-60"}
    )
    assert response.status_code == 302
    (session,) = session_store.list_all(r)
    assert (
        session.scheduled_start is not None
        and session.scheduled_start.isoformat() == "2027-03-01T08:30:00+00:00"
    )


def test_exercise_with_an_oversized_brief_is_refused(signed_in: FlaskClient, r: redis.Redis) -> None:
    session_id = create(signed_in)
    response = signed_in.post(
        f"/sessions/{session_id}/exercises/new",
        data={"title": "Case study", "brief": "x" * 20_001, "duration_minutes": "30", "group_size": "4"},
    )
    assert response.status_code == 400 and "at most 20000 characters" in response.get_data(as_text=True)
    assert session_store.get(r, session_id).exercises == []  # type: ignore[union-attr]


def test_exercise_with_role_briefs_is_saved(signed_in: FlaskClient, r: redis.Redis) -> None:
    session_id = create(signed_in)
    response = signed_in.post(
        f"/sessions/{session_id}/exercises/new",
        data={
            "title": "Case study",
            "kind": "case_study",
            "brief": "Read the *case*.",
            "duration_minutes": "30",
            "group_size": "3",
            "competency_ids": ["teamwork"],
            "role_title_0": "Chair",
            "role_body_0": "Lead it.",
            "role_title_1": "Scribe",
            "role_body_1": "Write it down.",
            "output_prompt": "Your recommendation",
        },
    )
    assert response.status_code == 302
    (exercise,) = session_store.get(r, session_id).exercises  # type: ignore[union-attr]
    assert [b.title for b in exercise.role_briefs] == [
        "Chair",
        "Scribe",
    ] and exercise.output_prompt == "Your recommendation"
    assert "Case study" in signed_in.get(f"/sessions/{session_id}").get_data(as_text=True)


def test_roster_paste_gives_everyone_a_personal_link(signed_in: FlaskClient, r: redis.Redis) -> None:
    session_id = create(signed_in)
    signed_in.post(
        f"/sessions/{session_id}/roster", data={"names": "Ada Lovelace, ada@example.com\nGrace Hopper"}
    )
    page = signed_in.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "Ada Lovelace" in page and "Grace Hopper" in page and page.count("/i/") >= 2


def test_duplicate_copies_the_set_up_as_a_new_draft(signed_in: FlaskClient, r: redis.Redis) -> None:
    session_id = create(signed_in)
    signed_in.post(
        f"/sessions/{session_id}/exercises/new",
        data={"title": "Tower", "duration_minutes": "10", "group_size": "4"},
    )
    signed_in.post(f"/sessions/{session_id}/roster", data={"name": "Ada"})
    copied = signed_in.post(f"/sessions/{session_id}/duplicate")
    copy_id = copied.headers["Location"].rsplit("/", 1)[1]
    original, copy = session_store.get(r, session_id), session_store.get(r, copy_id)
    assert copy is not None and original is not None
    assert [e.title for e in copy.exercises] == ["Tower"] and copy.join_code != original.join_code
    assert copy.state.value == "draft" and copy.title.endswith("(copy)")


def test_illegal_state_change_is_refused_with_the_reason(signed_in: FlaskClient, r: redis.Redis) -> None:
    session_id = create(signed_in)
    response = signed_in.post(f"/sessions/{session_id}/state", data={"state": "live"}, follow_redirects=True)
    assert "cannot become live" in response.get_data(as_text=True)
    assert session_store.get(r, session_id).state.value == "draft"  # type: ignore[union-attr]


def test_projector_shows_a_scannable_qr_code(signed_in: FlaskClient) -> None:
    session_id = create(signed_in)
    svg = signed_in.get(f"/sessions/{session_id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b'xmlns="http://www.w3.org/2000/svg"' in svg.data
    assert signed_in.get(f"/sessions/{session_id}/projector").status_code == 200


def test_competency_library_ships_defaults_and_can_be_extended(signed_in: FlaskClient) -> None:
    page = signed_in.get("/library/").get_data(as_text=True)
    assert "Teamwork" in page and "Problem solving" in page
    response = signed_in.post(
        "/library/new",
        data={
            "name": "Stakeholder management",
            "description": "Works with people who have a stake.",
            "indicators": "+ Names who is affected\n- Ignores the client's view",
            **{f"anchor_{n}": f"Level {n} behaviour" for n in range(1, 6)},
        },
    )
    assert response.status_code == 302
    assert "Stakeholder management" in signed_in.get("/library/").get_data(as_text=True)
