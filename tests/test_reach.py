"""Reaching the laptop: `serve` prints the address phones open, and a live page opened on a
loopback address says phones cannot reach it and which address they can."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from flask.testing import FlaskClient

from facilitator import create_app, network
from facilitator.cli import phone_lines

from .builders import SessionBuilder
from .conftest import PASSWORD, app_config
from .redis_server import RedisProcess, free_port


@pytest.fixture
def on_a_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """This computer is on a Wi-Fi network as 192.168.1.20 (and a second one as 10.0.0.5)."""
    monkeypatch.setattr(network, "lan_addresses", lambda: ["192.168.1.20", "10.0.0.5"])


def test_loopback_addresses_are_told_apart_from_network_ones() -> None:
    for host in ("127.0.0.1", "127.1.2.3", "localhost", "app.localhost", "::1", "[::1]"):
        assert network.is_loopback(host), host
    for host in ("192.168.1.20", "10.0.0.5", "facilitator.example.com", "0.0.0.0"):
        assert not network.is_loopback(host), host
    assert network.host_of("[::1]:5000") == "::1" and network.host_of("LocalHost:5000") == "localhost"


def test_this_computers_network_addresses_are_real_ipv4_and_never_loopback() -> None:
    for address in network.lan_addresses():
        assert address.count(".") == 3 and not network.is_loopback(address)


def test_serve_says_which_address_phones_open(on_a_network: None) -> None:
    assert phone_lines("", "0.0.0.0", 5000) == [
        "Phones on your network open: http://192.168.1.20:5000/join",
        "Phones on your network open: http://10.0.0.5:5000/join",
    ]
    assert phone_lines("", "192.168.1.20", 8080) == [
        "Phones on your network open: http://192.168.1.20:8080/join"
    ]
    (local,) = phone_lines("", "127.0.0.1", 5000)
    assert "Only this computer can open that address" in local and "HOST=0.0.0.0 make run" in local
    assert phone_lines("https://assess.example.com", "127.0.0.1", 5000) == [
        "Phones join at https://assess.example.com/join (FACILITATOR_PUBLIC_URL)."
    ]


def test_serve_on_every_interface_prints_the_join_address(redis_server: RedisProcess, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {
        "PATH": "/usr/bin:/bin",
        "REDIS_URL": redis_server.url,
        "SECRET_KEY": "reach-test",
        "FACILITATOR_DATA_DIR": str(tmp_path),
        "HOST": "0.0.0.0",
        "PORT": str(port),
    }
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "facilitator", "serve"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while "Storage:" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        printed = log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert f"Facilitator is running at http://127.0.0.1:{port}/" in printed
    addresses = network.lan_addresses()
    for address in addresses:
        assert f"Phones on your network open: http://{address}:{port}/join" in printed
    if not addresses:
        assert "has no network address yet" in printed


@pytest.mark.usefixtures("facilitator_user")
def test_a_projector_on_loopback_says_to_restart_on_every_interface(
    client: FlaskClient, api_token: str
) -> None:
    build = SessionBuilder(client, api_token).create()
    client.post(
        "/login", data={"email": "fran@example.com", "password": PASSWORD}, base_url="http://127.0.0.1:5000"
    )
    for page in ("projector", "live"):
        html = client.get(f"/sessions/{build.session_id}/{page}", base_url="http://127.0.0.1:5000").get_data(
            as_text=True
        )
        assert "Phones cannot reach this address" in html, page
        assert "127.0.0.1:5000 only works on this computer" in html
        assert "HOST=0.0.0.0 make run" in html and "FACILITATOR_PUBLIC_URL" in html


@pytest.mark.usefixtures("facilitator_user", "on_a_network")
def test_a_projector_on_loopback_names_the_network_address(
    r: redis.Redis, redis_server: RedisProcess, tmp_path: Path, api_token: str
) -> None:
    app = create_app(app_config(redis_server.url, tmp_path, LISTEN_HOST="0.0.0.0"))
    client = app.test_client()
    build = SessionBuilder(client, api_token).create()
    client.post(
        "/login", data={"email": "fran@example.com", "password": PASSWORD}, base_url="http://localhost:5000"
    )
    path = f"/sessions/{build.session_id}/projector"
    html = client.get(path, base_url="http://localhost:5000").get_data(as_text=True)
    assert "localhost:5000 only works on this computer" in html
    assert "http://192.168.1.20:5000/join" in html and "http://10.0.0.5:5000/join" in html
    assert f'href="http://192.168.1.20:5000{path}"' in html  # the same page, with a QR code that works
    # Opened on the network address, or with FACILITATOR_PUBLIC_URL set, nothing needs saying.
    client.post(
        "/login",
        data={"email": "fran@example.com", "password": PASSWORD},
        base_url="http://192.168.1.20:5000",
    )
    assert "Phones cannot reach" not in client.get(path, base_url="http://192.168.1.20:5000").get_data(
        as_text=True
    )
    app.config["PUBLIC_URL"] = "https://assess.example.com"
    assert "Phones cannot reach" not in client.get(path, base_url="http://localhost:5000").get_data(
        as_text=True
    )
