"""The organisation's branding: set by an admin, carried by candidates' pages."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import redis
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from facilitator import create_app
from facilitator.domain import branding

from .builders import SessionBuilder
from .conftest import PASSWORD, app_config, make_user
from .redis_server import RedisProcess


def png(width: int = 4, height: int = 2, padding: int = 0) -> bytes:
    """A real PNG image (solid blue), optionally padded with an extra chunk to make it large."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x1f\x6f\xeb" * width for _ in range(height))
    extra = chunk(b"tEXt", b"Comment\x00" + b"x" * padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + extra
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def signed_in_as(app: Flask, r: redis.Redis, email: str, role: str) -> FlaskClient:
    account = make_user(r, email, role)
    client = app.test_client()
    assert client.post("/login", data={"email": account.email, "password": PASSWORD}).status_code == 302
    return client


def brand_form(**fields: object) -> dict[str, object]:
    return {"organisation": "", "accent": "", **fields}


def stored(r: redis.Redis) -> dict[str, str]:
    return r.hgetall("fac:branding")  # type: ignore[return-value]


def test_admin_sets_the_organisation_colour_and_logo(app: Flask, r: redis.Redis) -> None:
    admin = signed_in_as(app, r, "ada@example.com", "admin")
    logo = png()
    saved = admin.post(
        "/admin/branding",
        data=brand_form(
            organisation="Northwind Talent", accent="#1F6FEB", logo=(io.BytesIO(logo), "logo.png")
        ),
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    page = admin.get("/admin/branding").get_data(as_text=True)
    assert 'value="Northwind Talent"' in page and 'value="#1f6feb"' in page
    assert "white text: contrast 4.6 to 1" in page
    version = stored(r)["version"]

    served = admin.get(f"/brand/logo?v={version}")
    assert served.status_code == 200 and served.data == logo
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in served.headers["Cache-Control"]
    assert admin.get("/brand/logo").headers["Cache-Control"] == "no-cache"

    css = app.test_client().get(f"/brand.css?v={version}")
    assert css.status_code == 200 and css.mimetype == "text/css"
    text = css.get_data(as_text=True)
    assert "--brand-accent: #1f6feb;" in text and "--brand-on-accent: #ffffff;" in text
    assert "max-age=31536000" in css.headers["Cache-Control"]


def test_a_pale_accent_gets_black_text_and_every_colour_reads_at_aa(app: Flask, r: redis.Redis) -> None:
    admin = signed_in_as(app, r, "ada@example.com", "admin")
    admin.post("/admin/branding", data=brand_form(accent="#f5c518"))
    assert "--brand-on-accent: #000000;" in admin.get("/brand.css").get_data(as_text=True)
    for value in range(0, 0x1000000, 0x010203 * 7):
        colour = f"#{value:06x}"
        assert branding.contrast(colour, branding.text_on(colour)) >= 4.5, colour


def test_removing_the_logo_and_clearing_the_colour(app: Flask, r: redis.Redis) -> None:
    admin = signed_in_as(app, r, "ada@example.com", "admin")
    admin.post(
        "/admin/branding",
        data=brand_form(organisation="Northwind", accent="#1f6feb", logo=(io.BytesIO(png()), "logo.png")),
        content_type="multipart/form-data",
    )
    admin.post("/admin/branding", data=brand_form(organisation="Northwind", remove_logo="1"))
    assert admin.get("/brand/logo").status_code == 404
    join = app.test_client().get("/join").get_data(as_text=True)
    assert "Northwind" in join and "/brand/logo" not in join and "/brand.css" not in join


def test_only_admins_change_the_branding(app: Flask, r: redis.Redis) -> None:
    assert app.test_client().get("/admin/branding").status_code == 302  # to sign in
    facilitator = signed_in_as(app, r, "fran@example.com", "facilitator")
    assert facilitator.get("/admin/branding").status_code == 403
    refused = facilitator.post("/admin/branding", data=brand_form(organisation="Mine now"))
    assert refused.status_code == 403 and "Only admins" in refused.get_data(as_text=True)
    assert stored(r) == {}


def test_a_bad_colour_is_refused_in_plain_words_and_nothing_changes(app: Flask, r: redis.Redis) -> None:
    admin = signed_in_as(app, r, "ada@example.com", "admin")
    admin.post("/admin/branding", data=brand_form(organisation="Northwind", accent="#1f6feb"))
    before = stored(r)
    for bad in ("blue", "#12345", "#12345g", "rgb(1,2,3)"):
        refused = admin.post("/admin/branding", data=brand_form(organisation="Contoso", accent=bad))
        page = refused.get_data(as_text=True)
        assert refused.status_code == 400
        assert "Write the accent colour as # and six hexadecimal digits" in page
        assert f'value="{bad}"' in page.replace("&#39;", "'")  # what was typed stays in the box
        assert stored(r) == before
    too_long = admin.post("/admin/branding", data=brand_form(organisation="N" * 81))
    assert too_long.status_code == 400
    assert "can be at most 80 characters; this one has 81" in too_long.get_data(as_text=True)
    assert stored(r) == before


def test_oversized_or_non_image_logos_are_refused_and_nothing_changes(app: Flask, r: redis.Redis) -> None:
    admin = signed_in_as(app, r, "ada@example.com", "admin")
    admin.post(
        "/admin/branding",
        data=brand_form(organisation="Northwind", logo=(io.BytesIO(png()), "logo.png")),
        content_type="multipart/form-data",
    )
    before, logo_before = stored(r), admin.get("/brand/logo").data
    cases = {
        "big.png": (png(padding=250 * 1024), "The logo is 251 KB; it can be at most 200 KB."),
        "notes.txt": (b"just some text", "The logo must be a PNG or JPEG image; this file is neither."),
        "logo.gif": (b"GIF89a" + b"\x00" * 20, "The logo must be a PNG or JPEG image; this file is neither."),
        "logo.png": (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
            "SVG logos are not accepted, because they can carry scripts.",
        ),
    }
    for filename, (data, message) in cases.items():
        refused = admin.post(
            "/admin/branding",
            data=brand_form(organisation="Contoso", logo=(io.BytesIO(data), filename)),
            content_type="multipart/form-data",
        )
        assert refused.status_code in (400, 413), filename
        assert message in refused.get_data(as_text=True).replace("&#39;", "'"), filename
        assert stored(r) == before and admin.get("/brand/logo").data == logo_before, filename

    # Past the request limit the upload is refused before it is read, still on the form.
    # (Encoded in memory: the test client would spool a body this size to a temporary file.)
    huge = FileStorage(io.BytesIO(png(padding=600 * 1024)), filename="huge.png", content_type="image/png")
    boundary, body = encode_multipart({"organisation": "Contoso", "accent": "", "logo": huge})
    refused = admin.post(
        "/admin/branding", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert refused.status_code == 413
    assert "The logo is too large; it can be at most 200 KB." in refused.get_data(as_text=True)
    assert stored(r) == before


def test_the_form_needs_its_csrf_token(r: redis.Redis, redis_server: RedisProcess, tmp_path: Path) -> None:
    app = create_app(app_config(redis_server.url, tmp_path, WTF_CSRF_ENABLED=True))
    admin = app.test_client()
    make_user(r, "ada@example.com", "admin")
    login = admin.get("/login").get_data(as_text=True)
    token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    admin.post("/login", data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": token})
    assert admin.post("/admin/branding", data=brand_form(organisation="Forged")).status_code == 400
    assert stored(r) == {}
    page = admin.get("/admin/branding").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    saved = admin.post("/admin/branding", data=brand_form(organisation="Northwind", csrf_token=token))
    assert saved.status_code == 302 and stored(r)["organisation"] == "Northwind"


def test_candidates_pages_carry_the_organisation_and_the_session_title(
    app: Flask, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    admin = signed_in_as(app, r, "ada@example.com", "admin")
    admin.post(
        "/admin/branding",
        data=brand_form(
            organisation="Northwind Talent", accent="#1f6feb", logo=(io.BytesIO(png()), "logo.png")
        ),
        content_type="multipart/form-data",
    )
    version = stored(r)["version"]
    build = SessionBuilder(client, api_token).create(title="Graduate analysts, spring intake")
    build.state("open")
    phone = app.test_client()

    for path in ("/join", f"/join/{build.join_code}"):
        page = phone.get(path).get_data(as_text=True)
        assert "Northwind Talent" in page
        assert f'src="/brand/logo?v={version}"' in page
        assert f'href="/brand.css?v={version}"' in page
    assert "Graduate analysts, spring intake" in phone.get(f"/join/{build.join_code}").get_data(as_text=True)
    assert "Graduate analysts" not in phone.get("/join/WRONG42").get_data(as_text=True)

    phone.post("/join", data={"code": build.join_code, "name": "Ada Lovelace"})
    privacy = phone.get("/join/privacy").get_data(as_text=True)
    assert "Northwind Talent" in privacy and "Graduate analysts, spring intake" in privacy
    phone.post("/join/privacy")
    waiting = phone.get(f"/s/{build.session_id}/phone").get_data(as_text=True)
    assert "Northwind Talent" in waiting and "Graduate analysts, spring intake" in waiting
    # Staff pages keep the product's own look.
    assert "Northwind Talent" not in admin.get("/sessions/").get_data(as_text=True)
