"""The `facilitator` command: serve the app, manage staff accounts and API tokens."""

from __future__ import annotations

import os
import signal
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from flask import Flask


def _app() -> Flask:
    from . import create_app
    from .errors import StartupError

    try:
        return create_app()
    except StartupError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def cli() -> None:
    """Facilitator: run group job interviews live."""


@cli.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int, show_default="5000")
def serve(host: str, port: int) -> None:
    """Start the web server (gevent; with no REDIS_URL, on the embedded Redis)."""
    from . import network
    from .extensions import socketio
    from .store import get_redis, redis_settings
    from .store import users as user_store

    app = _app()
    # The projector reads these to tell whether phones can reach the address it was opened on.
    app.config["LISTEN_HOST"] = host
    local = f"http://{'127.0.0.1' if host in network.ALL_INTERFACES else _bracketed(host)}:{port}"
    base = app.config.get("PUBLIC_URL") or local
    with app.app_context():
        r = get_redis()
        click.echo(f"Facilitator is running at {local}/")
        for line in phone_lines(app.config.get("PUBLIC_URL", ""), host, port):
            click.echo(line)
        where = (
            redis_settings(app).where
            if app.config.get("REDIS_URL") or app.config.get("REDIS_SENTINELS")
            else f"embedded Redis, data in {app.config['DATA_DIR']}"
        )
        click.echo(f"Storage: {where}")
        if user_store.count(r) == 0:
            token = user_store.issue_setup_token(r)
            click.echo(f"First run: create the admin account at {base}/setup/{token}")
    start_background(app)
    # A plain `kill` (SIGTERM) exits like Ctrl-C, so the embedded Redis is stopped cleanly.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    socketio.run(app, host=host, port=port, log_output=os.environ.get("FACILITATOR_ACCESS_LOG") == "1")


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def phone_lines(public_url: str, host: str, port: int) -> list[str]:
    """What `serve` says about the address candidates' phones should open."""
    from . import network

    if public_url:
        return [f"Phones join at {public_url}/join (FACILITATOR_PUBLIC_URL)."]
    urls = network.join_urls(host, port)
    if urls:
        return [f"Phones on your network open: {url}" for url in urls]
    if host in network.ALL_INTERFACES:
        return [
            "Listening on every network, but this computer has no network address yet: connect it "
            "to the Wi-Fi the phones use, or set FACILITATOR_PUBLIC_URL."
        ]
    return [
        "Only this computer can open that address. To let phones on your network join, restart "
        "with HOST=0.0.0.0 make run (on a network you trust), or set FACILITATOR_PUBLIC_URL."
    ]


def _exit_on_signal(*_: object) -> None:
    raise SystemExit(0)


def start_background(app: Flask) -> None:
    """What every server process runs beside serving: its heartbeat and presence sweep, and
    the hourly retention sweep (`serve`, and gunicorn through `facilitator.wsgi`)."""
    from .extensions import socketio
    from .realtime import presence

    presence.start(app)
    socketio.start_background_task(_sweep_forever, app)


def _sweep_forever(app: Flask) -> None:
    """Erase candidate data past its retention period, hourly, for as long as the server runs."""
    from .extensions import socketio
    from .services import retention
    from .store import get_redis

    while True:
        with app.app_context():
            try:
                retention.sweep(get_redis(), app.config["RETENTION_DAYS"])
            except Exception:  # a failed sweep must not stop the server; the next one retries
                app.logger.exception("retention sweep failed")
        socketio.sleep(retention.SWEEP_EVERY_S)


@cli.command()
@click.option("--days", type=int, default=None, help="Override FACILITATOR_RETENTION_DAYS.")
def purge(days: int | None) -> None:
    """Erase candidate data of sessions whose retention period has passed (the server also
    does this hourly)."""
    from .services import retention
    from .store import get_redis

    app = _app()
    with app.app_context():
        keep = app.config["RETENTION_DAYS"] if days is None else days
        erased = retention.sweep(get_redis(), keep)
    for session in erased:
        click.echo(f"Erased candidate data of “{session.title}” ({session.id}).")
    click.echo(f"{len(erased)} session(s) past {keep} days erased.")


@cli.group()
def users() -> None:
    """Manage staff accounts."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "facilitator", "observer"]), required=True)
@click.option("--name", default="", help="Display name (defaults to the part of the email before @).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Read from a prompt, or from stdin when piped.",
)
def create_user(email: str, role: str, name: str, password: str) -> None:
    """Create a staff account."""
    from werkzeug.security import generate_password_hash

    from .store import get_redis
    from .store import users as user_store
    from .web.auth import MIN_PASSWORD

    if "@" not in email or len(email) > 254:
        raise click.BadParameter("enter a valid email address", param_hint="EMAIL")
    if len(password) < MIN_PASSWORD:
        raise click.BadParameter(f"use at least {MIN_PASSWORD} characters", param_hint="password")
    app = _app()
    with app.app_context():
        account = user_store.create(
            get_redis(), email, name or email.split("@")[0], role, generate_password_hash(password)
        )
    if account is None:
        raise click.ClickException(f"An account for {email} already exists.")
    click.echo(f"Created {role} {account.email}.")


@cli.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("email")
def create_token(email: str) -> None:
    """Print a new API token for a staff account (shown once; keep it secret)."""
    from .store import get_redis
    from .store import users as user_store

    app = _app()
    with app.app_context():
        r = get_redis()
        found = user_store.by_email(r, email)
        if found is None:
            raise click.ClickException(f"There is no account for {email}.")
        click.echo(user_store.issue_api_token(r, found[0].id))


def main() -> None:
    """Entry point; `serve` patches the standard library for gevent before anything else loads."""
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        from gevent import monkey

        monkey.patch_all()
    cli()


if __name__ == "__main__":
    main()
