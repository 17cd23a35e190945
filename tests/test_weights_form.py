"""The weights section of the session form: set in any state, refused plainly when wrong."""

from __future__ import annotations

import html
import re

import redis
from flask.testing import FlaskClient

from .builders import SessionBuilder
from .conftest import PASSWORD, make_user
from .review_helpers import finished_session


def field_error(page: str, name: str) -> str:
    """The message shown next to a form field."""
    found = re.search(rf'<span class="field-error" id="{re.escape(name)}-error">(.*?)</span>', page, re.S)
    assert found, f"no error next to {name}"
    return html.unescape(found.group(1))


def test_weights_are_saved_during_the_review_and_bad_ones_change_nothing(
    signed_in: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    finished = finished_session(signed_in, r, api_token)
    finished.start_review()
    sid = finished.sid
    first, second = finished.exercise_ids
    url = f"/sessions/{sid}/edit"
    form = signed_in.get(url).get_data(as_text=True)
    assert 'id="weights-heading"' in form
    assert f'name="weight-exercise-{first}"' in form and 'name="weight-competency-teamwork"' in form

    saved = signed_in.post(
        url,
        data={
            "form": "weights",
            f"weight-exercise-{first}": "2",
            f"weight-exercise-{second}": "1",
            "weight-competency-teamwork": "0.5",
        },
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"{url}#weights")
    setup = finished.build.call("get", f"/sessions/{sid}", expect=200)["setup"]
    assert setup["exercise_weights"] == {first: 2.0}
    assert setup["competency_weights"] == {"teamwork": 0.5}
    # The form shows the weights in force; the details section is untouched.
    again = signed_in.get(url).get_data(as_text=True)
    assert re.search(rf'name="weight-exercise-{first}"[^>]*value="2"', again, re.S)

    for bad, message in (
        ("-1", "must be at least 0"),
        ("heavy", "must be a number"),
        ("101", "must be at most 100"),
    ):
        refused = signed_in.post(
            url, data={"form": "weights", f"weight-exercise-{second}": bad, "weight-competency-teamwork": "3"}
        )
        assert refused.status_code == 400
        page = refused.get_data(as_text=True)
        shown = field_error(page, f"weight-exercise-{second}")
        assert shown == f"The weight of “Desert survival 2” {message}.", shown
        # What was typed stays in the field, and nothing was saved (teamwork stays 0.5).
        assert re.search(rf'name="weight-exercise-{second}"[^>]*value="{re.escape(bad)}"', page, re.S)
        assert finished.build.call("get", f"/sessions/{sid}", expect=200)["setup"]["competency_weights"] == {
            "teamwork": 0.5
        }
    # The details form beside it still shows the session as it is.
    assert 'value="Graduate assessment centre"' in page


def test_an_observer_cannot_change_the_weights(client: FlaskClient, r: redis.Redis, api_token: str) -> None:
    build = SessionBuilder(client, api_token).create()
    make_user(r, "olive@example.com", "observer")
    client.post("/login", data={"email": "olive@example.com", "password": PASSWORD})
    refused = client.post(
        f"/sessions/{build.session_id}/edit", data={"form": "weights", "weight-competency-teamwork": "5"}
    )
    assert refused.status_code == 403
    assert build.call("get", f"/sessions/{build.session_id}", expect=200)["setup"]["competency_weights"] == {}
