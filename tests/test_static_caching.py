"""The phone page over the wire: compressed, its files cached by content hash, its modules preloaded."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from facilitator.web import assets

from .builders import SessionBuilder

GZIP = {"Accept-Encoding": "gzip, br"}
FIRST_LOAD_LIMIT = 60 * 1024
ASSET = re.compile(r"""(?:href|src)="(/(?:static|vendor)/[^"]+)\"""")
IMPORT = re.compile(r"""from\s*"([^"]+)\"""")


def phone(app: Flask, client: FlaskClient, token: str) -> tuple[FlaskClient, str]:
    """A checked-in candidate's browser and its phone page's address."""
    build = SessionBuilder(client, token).create()
    build.state("open")
    person = build.join("Ada Lovelace")
    device = app.test_client()
    device.set_cookie(f"fac_device_{build.session_id}", person["token"])
    return device, f"/s/{build.session_id}/phone"


def everything_loaded(device: FlaskClient, page: str) -> dict[str, int]:
    """Bytes over the wire for the page and every file it loads (imports followed), by URL."""
    sizes: dict[str, int] = {}
    response = device.get(page, headers=GZIP)
    assert response.status_code == 200
    sizes[page] = len(response.data)
    todo = ASSET.findall(device.get(page).get_data(as_text=True))
    while todo:
        url = todo.pop()
        if url in sizes:
            continue
        sent = device.get(url, headers=GZIP)
        assert sent.status_code == 200, url
        sizes[url] = len(sent.data)
        if url.split("?")[0].endswith(".js"):
            todo += IMPORT.findall(device.get(url).get_data(as_text=True))
    return sizes


def test_the_phone_page_and_everything_it_loads_is_under_60_kb_compressed(
    app: Flask, client: FlaskClient, api_token: str
) -> None:
    device, page = phone(app, client, api_token)
    sizes = everything_loaded(device, page)
    assert any("/vendor/socket.io" in url for url in sizes), sizes  # the imports were followed
    assert sum(sizes.values()) <= FIRST_LOAD_LIMIT, sizes
    uncompressed = device.get(page)
    assert "Content-Encoding" not in uncompressed.headers  # only for a browser that asked
    assert device.get(page, headers=GZIP).headers["Content-Encoding"] == "gzip"


def test_every_file_is_addressed_by_its_hash_and_cached_for_good(
    app: Flask, client: FlaskClient, api_token: str
) -> None:
    device, page = phone(app, client, api_token)
    for url in everything_loaded(device, page):
        if url == page:
            continue
        assert re.search(r"\?v=[0-9a-f]{16}$", url), url
        assert device.get(url).headers["Cache-Control"] == "public, max-age=31536000, immutable", url
    # Without its hash (or with an old one) a file is still served, but never kept.
    stale = device.get("/static/js/phone.js?v=0000000000000000")
    assert stale.status_code == 200
    assert stale.headers["Cache-Control"] == "no-cache"
    assert device.get(page).headers["Cache-Control"] == "no-store"


def test_the_page_preloads_every_module_it_imports(app: Flask, client: FlaskClient, api_token: str) -> None:
    device, page = phone(app, client, api_token)
    html = device.get(page).get_data(as_text=True)
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)"', html))
    imported = {url for url in everything_loaded(device, page) if urlsplit(url).path.endswith(".js")}
    assert imported <= preloaded | set(re.findall(r'<script type="module" src="([^"]+)"', html))
    assert any("/static/js/phone/dom.js" in url for url in preloaded)  # two levels down
    assert any("/vendor/socket.io" in url for url in preloaded)  # three levels down


def test_a_changed_file_gets_a_new_url_and_so_do_the_modules_that_import_it(
    app: Flask, tmp_path: Path
) -> None:
    # On a copy of the static folder: the working tree's files are not the test's to change.
    folder = tmp_path / "static"
    shutil.copytree(app.static_folder or "static", folder)
    served = assets.Assets(folder, {})
    before = {name: served.version(name) for name in ("js/phone/dom.js", "js/phone.js", "js/realtime.js")}
    dom = folder / "js" / "phone" / "dom.js"
    dom.write_bytes(dom.read_bytes() + b"\n// changed\n")
    os.utime(dom, (time.time(), time.time() + 5))
    after = {name: served.version(name) for name in before}
    assert after["js/phone/dom.js"] != before["js/phone/dom.js"]
    assert after["js/phone.js"] != before["js/phone.js"]  # it imports dom.js, so its text changed
    assert after["js/realtime.js"] == before["js/realtime.js"]  # it does not
    assert (
        f"/static/js/phone/dom.js?v={after['js/phone/dom.js']}"
        in served.get("/static/js/phone.js").body.decode()
    )  # type: ignore[union-attr]
