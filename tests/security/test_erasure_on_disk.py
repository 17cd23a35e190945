"""What reaches the disk: the data folder is its owner's alone, and after an erasure (or the
retention purge) and the compaction that follows, no file, key or stream entry holds a byte of
the erased candidate's name, email or notes.

These tests run the embedded server (store/embedded.py) in a temporary data folder, so every
file Redis writes is known and can be read back as bytes.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from flask import Flask

from facilitator import create_app
from facilitator.domain.commands import AskQuestion, SharePortfolio, SubmitGroupOutput
from facilitator.services import live, retention
from facilitator.store import compaction, keys
from facilitator.store import sessions as session_store
from facilitator.store import users as user_store
from facilitator.store.embedded import EmbeddedRedis

from ..builders import SessionBuilder
from ..conftest import PASSWORD, app_config, make_user
from ..feedback_helpers import roster_session, staff
from ..redis_server import RedisProcess
from ..review_helpers import finished_session


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[EmbeddedRedis, redis.Redis]]:
    """The embedded server on a fresh data folder, and a client of it."""
    server = EmbeddedRedis(tmp_path / "data")
    client = redis.Redis.from_url(server.start(), decode_responses=True)
    yield server, client
    client.close()
    server.stop()


def modes(folder: Path) -> dict[str, int]:
    """Every entry under `folder` (itself included) and its permission bits, sockets aside."""
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for root, folders, files in os.walk(folder):
        for name in [*folders, *files]:
            path = Path(root) / name
            info = path.lstat()
            if not stat.S_ISSOCK(info.st_mode):
                found[str(path.relative_to(folder))] = stat.S_IMODE(info.st_mode)
    return found


def test_the_data_folder_and_every_redis_file_are_the_owners_alone(
    embedded: tuple[EmbeddedRedis, redis.Redis],
) -> None:
    server, client = embedded
    for n in range(200):
        client.hset("fac:session:s1:candidates", f"c{n}", json.dumps({"name": f"Person {n}"}))
    done = compaction.compact(client)
    assert done.complete, done
    found = modes(server.data_dir)
    # The files Redis wrote after start-up (the rewritten AOF, the new snapshot) are there too.
    assert {"appendonly.aof", "dump.rdb", "redis.conf", "redis.log", "redis.url"} <= set(found)
    assert found.pop(".") == 0o700
    assert found == dict.fromkeys(found, 0o600)


def test_a_data_folder_left_readable_by_an_earlier_version_is_closed_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "appendonly.aof").write_bytes(b"")
    (data / "appendonly.aof").chmod(0o644)
    (data / "secret_key").write_text("k")
    (data / "secret_key").chmod(0o644)
    server = EmbeddedRedis(data)
    server.start()
    try:
        found = modes(data)
        assert found.pop(".") == 0o700
        assert found == dict.fromkeys(found, 0o600)
    finally:
        server.stop()


def test_the_generated_secret_key_is_created_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from facilitator import config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    key = config._secret_key(tmp_path / "fresh")
    assert len(key) == 64
    assert stat.S_IMODE((tmp_path / "fresh" / "secret_key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "fresh").stat().st_mode) == 0o700


# ---- after an erasure, nothing of the candidate is left anywhere ----

NAME = "Zoë Quillfeather"
EMAIL = "zoe.quillfeather@example.org"
OTHER = ("Marek Oduya", "marek.oduya@example.org")
# Everything written about Zoë that no one else's records say.
NOTES = (
    "Zoë negotiated the ranking with calm authority",
    "Interrupted the timekeeper twice near the end",
    "Evidence: pulled the quiet members into the plan",
    "Agreed strong teamwork throughout the day",
    "Rationale: a clear yes for the next round",
    "Introduction written for Zoë's eyes only",
    "Probe how she handles conflict next time",
    "Which exercise counts most for the role?",
    "https://portfolio.example.org/zoe-quillfeather",
)


def forms_of(text: str) -> list[bytes]:
    """The bytes a string may be stored as: UTF-8, and JSON's \\u escapes of non-ASCII."""
    escaped = json.dumps(text)[1:-1].encode()
    return list(dict.fromkeys([text.encode(), escaped, text.lower().encode()]))


@dataclass
class Seeded:
    """A session seeded through the app on the embedded server, with Zoë's and Marek's ids."""

    app: Flask
    r: redis.Redis
    data_dir: Path
    build: SessionBuilder
    zoe: str
    marek: str
    invite: str
    url: str


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    """Zoë and Marek through a whole session: questions, a portfolio, a group output, notes,
    ratings (one a draft), agreed scores, a decision, feedback and points to follow up."""
    data_dir = tmp_path / "data"
    app = create_app(app_config("", data_dir))
    server = app.extensions["facilitator.embedded_redis"]
    r = redis.Redis.from_url(server.url, decode_responses=True)
    try:
        client = app.test_client()
        lead = make_user(r, "lead@example.com", "facilitator")
        token = user_store.issue_api_token(r, lead.id)
        build = roster_session(client, r, token, [(NAME, EMAIL), OTHER])
        _, observer_token = staff(r, "alex@example.com")
        alex = SessionBuilder(client, observer_token)
        build.state("open")
        zoe = build.join(NAME)["candidate_id"]
        marek = build.join(OTHER[0])["candidate_id"]
        build.state("live")
        exercise = build.exercises()[0]["id"]
        build.call("post", f"/sessions/{build.session_id}/exercises/{exercise}/start", expect=200)
        sid = build.session_id
        for number, (who, note) in enumerate(
            [(zoe, NOTES[0]), (zoe, NOTES[1]), (marek, f"Followed {NAME}'s plan and wrote to {EMAIL}")]
        ):
            alex.call(
                "post",
                f"/sessions/{sid}/observations",
                {"id": f"obs-disk-{number}", "exercise_id": exercise, "candidate_id": who, "note": note},
                expect=201,
            )
        with app.app_context():
            live.candidate_action(r, zoe, sid, "ask_question", AskQuestion(id="q-disk-1", text=NOTES[7]))
            live.candidate_action(r, zoe, sid, "share_portfolio", SharePortfolio(id="p-disk-1", url=NOTES[8]))
            live.candidate_action(
                r,
                zoe,
                sid,
                "submit_group_output",
                SubmitGroupOutput(id="g-disk-1", exercise_id=exercise, text="Our ranking: water first"),
            )
        build.call("post", f"/sessions/{sid}/exercises/{exercise}/end", expect=200)
        rate = {
            "scores": {
                "teamwork": {"score": 4, "evidence": NOTES[2]},
                "communication": {"score": 3, "evidence": "Spoke clearly"},
            },
            "submit": True,
        }
        alex.call("put", f"/sessions/{sid}/ratings/{exercise}/{zoe}", rate, expect=200)
        draft = {"scores": {"teamwork": {"score": 3, "evidence": "Steady"}}, "submit": False}
        alex.call("put", f"/sessions/{sid}/ratings/{exercise}/{marek}", draft, expect=200)
        build.state("ended", confirm=True)
        build.state("review", confirm=True)
        build.call(
            "post",
            f"/sessions/{sid}/consensus",
            {"candidate_id": zoe, "competency_id": "teamwork", "score": 4, "note": NOTES[3]},
            expect=201,
        )
        build.call(
            "post",
            f"/sessions/{sid}/decisions",
            {"candidate_id": zoe, "outcome": "next_round", "rationale": NOTES[4]},
            expect=201,
        )
        build.call(
            "put",
            f"/sessions/{sid}/candidates/{zoe}/feedback",
            {"introduction": NOTES[5], "sections": []},
            expect=200,
        )
        build.call("put", f"/sessions/{sid}/candidates/{zoe}/follow-up", {"text": NOTES[6]}, expect=200)
        invite = session_store.invite_tokens(r, sid, app.config["SECRET_KEY"])[zoe]
        # A push another process sent about her, still in the push stream.
        push = {
            "method": "emit",
            "event": "candidate_checked_in",
            "data": {"name": NAME},
            "room": f"s:{sid}:managers",
        }
        r.xadd(keys.pushes(), {"m": json.dumps(push)})
        yield Seeded(app, r, data_dir, build, zoe, marek, invite, server.url)
    finally:
        r.close()
        server.stop()


def every_value(url: str) -> dict[bytes, list[bytes]]:
    """Every key and its values, read by type and as DUMP's serialised bytes."""
    raw = redis.Redis.from_url(url)
    found: dict[bytes, list[bytes]] = {}
    for key in raw.scan_iter(count=1000):
        values = found[key] = [key, raw.dump(key) or b""]
        kind = raw.type(key)
        if kind == b"string":
            values.append(raw.get(key) or b"")
        elif kind == b"hash":
            for field_name, value in raw.hgetall(key).items():
                values += [field_name, value]
        elif kind == b"set":
            values += list(raw.smembers(key))
        elif kind == b"zset":
            values += list(raw.zrange(key, 0, -1))
        elif kind == b"list":
            values += list(raw.lrange(key, 0, -1))
        elif kind == b"stream":
            for entry_id, fields in raw.xrange(key):
                values.append(entry_id)
                for field_name, value in fields.items():
                    values += [field_name, value]
    raw.close()
    return found


def everything(url: str) -> bytes:
    """Every key and value in Redis as one run of bytes."""
    return b"\n".join(v for values in every_value(url).values() for v in values)


def files_of(folder: Path) -> dict[str, bytes]:
    """Every regular file under the data folder, as bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file() and not path.is_socket()
    }


def secrets_of(seeded: Seeded) -> list[bytes]:
    return [form for text in (NAME, EMAIL, *NOTES) for form in forms_of(text)]


def test_after_an_erasure_no_key_entry_or_file_holds_her_name_email_or_notes(seeded: Seeded) -> None:
    sid, r = seeded.build.session_id, seeded.r
    # First make sure the test can see her: before the erasure, the files hold every one of them.
    assert compaction.compact(r).complete
    before = b"\n".join(files_of(seeded.data_dir).values())
    for text in (NAME, EMAIL, *NOTES):
        assert any(form in before for form in forms_of(text)), text

    staff_browser = seeded.app.test_client()
    assert (
        staff_browser.post("/login", data={"email": "lead@example.com", "password": PASSWORD}).status_code
        == 302
    )
    refused = staff_browser.post(f"/sessions/{sid}/candidates/{seeded.zoe}/erase", data={"confirm": "Zoe"})
    assert refused.status_code == 400 and seeded.zoe in r.hkeys(keys.candidates(sid))
    done = staff_browser.post(
        f"/sessions/{sid}/candidates/{seeded.zoe}/erase", data={"confirm": "  zoë  quillfeather "}
    )
    assert done.status_code == 302

    stored = everything(seeded.url)
    files = files_of(seeded.data_dir)
    for form in secrets_of(seeded):
        assert form not in stored, form
        for name, content in files.items():
            assert form not in content, (name, form)
    # Her id is gone too, from every key but the audit log (which says who erased whom, by id).
    holding = [
        k for k, values in every_value(seeded.url).items() if any(seeded.zoe.encode() in v for v in values)
    ]
    assert holding == [keys.audit().encode()]
    # What others wrote about her keeps its words, without her name.
    marek_note = json.loads(r.hget(keys.observations(sid), "obs-disk-2"))["note"]
    assert marek_note == "Followed [erased]'s plan and wrote to [erased]"
    # The session still reads: Marek's summary and the set-up page show; her link opens nothing.
    assert staff_browser.get(f"/sessions/{sid}/candidates/{seeded.marek}/summary").status_code == 200
    assert staff_browser.get(f"/sessions/{sid}").status_code == 200
    assert seeded.app.test_client().get(f"/i/{seeded.invite}").status_code == 404
    groups = json.loads(r.get(keys.session(sid)))["runs"]
    members = [m for run in groups.values() for g in run["groups"] for m in g["members"]]
    assert seeded.marek in members and any(m.startswith("erased-") for m in members)
    # The files were rewritten by the erasure itself, and stayed private.
    found = modes(seeded.data_dir)
    assert found.pop(".") == 0o700 and found == dict.fromkeys(found, 0o600)


def test_the_retention_purge_leaves_nothing_of_the_candidates_on_disk(seeded: Seeded) -> None:
    sid, r = seeded.build.session_id, seeded.r
    assert compaction.compact(r).complete
    later = time.time() + 400 * 24 * 3600
    assert [s.id for s in retention.sweep(r, 180, now=later)] == [sid]
    files = b"\n".join(files_of(seeded.data_dir).values())
    stored = everything(seeded.url)
    for text in (NAME, EMAIL, OTHER[0], OTHER[1], *NOTES):
        for form in forms_of(text):
            assert form not in files and form not in stored, text


# ---- the ACL user docs/operations.md gives the app can do all of this, and no more ----


def documented_acl(password: str) -> str:
    """The app's ACL user from docs/operations.md ("Protecting the Redis server"), as one line."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    rules = text.split("  user facilitator on ", 1)[1].split("```", 1)[0]
    return "user facilitator on " + " ".join(rules.split()).replace(">A-LONG-RANDOM-PASSWORD", f">{password}")


def test_the_documented_acl_user_erases_and_compacts_and_cannot_wipe_or_list(
    tmp_path: Path,
) -> None:
    acl = tmp_path / "users.acl"
    acl.write_text(f"user default on >admin-pass ~* &* +@all\n{documented_acl('app-pass')}\n")
    server = RedisProcess(tmp_path / "redis", extra=("--aclfile", str(acl)))
    server.url = f"redis://default:admin-pass@127.0.0.1:{server.port}/0"
    server.start()
    as_app = f"redis://facilitator:app-pass@127.0.0.1:{server.port}/0"
    admin = server.client()
    try:
        app = create_app(app_config(as_app, tmp_path / "app"))
        client = app.test_client()
        lead = make_user(admin, "fran@example.com", "facilitator")
        finished = finished_session(client, admin, user_store.issue_api_token(admin, lead.id))
        gone = finished.candidate_ids[0]
        finished.build.call("get", f"/sessions/{finished.sid}/candidates/{gone}/data", expect=200)
        erased = finished.build.call(
            "post",
            f"/sessions/{finished.sid}/candidates/{gone}/erase",
            {"confirm": "Candidate 0"},
            expect=200,
        )
        assert erased["compaction"] == {"aof": "rewritten", "rdb": "saved", "complete": True}
        app_user = redis.Redis.from_url(as_app)
        for forbidden in (
            app_user.flushall,
            app_user.flushdb,
            lambda: app_user.keys("*"),
            lambda: app_user.config_get("*"),
        ):
            with pytest.raises(redis.exceptions.NoPermissionError):
                forbidden()
        with pytest.raises(redis.exceptions.NoPermissionError):
            app_user.get("not-the-apps-key")
        app_user.close()
    finally:
        admin.close()
        server.stop()
