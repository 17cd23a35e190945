"""The `facilitator` command: serve the app, manage staff accounts and API tokens."""

from __future__ import annotations

import os
import signal
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from flask import Flask


def _app(serving: bool = False) -> Flask:
    from . import config, create_app
    from .errors import StartupError

    try:
        if serving:
            return create_app()
        # A command is one short-lived thread: pushes it makes (closing a revoked token's
        # sockets) go out from a plain thread, not from greenlets nothing would run.
        return create_app({**config.from_environment(), "SOCKETIO_ASYNC_MODE": "threading"})
    except StartupError as exc:
        raise click.ClickException(str(exc)) from None


def _close_sockets(socket_ids: list[str]) -> None:
    """Close sockets held by the running server, and wait until the request has left."""
    from . import broadcast
    from .extensions import socketio

    broadcast.close_sockets(socket_ids)
    flush = getattr(socketio.server.manager, "flush", None)
    if socket_ids and flush is not None and not flush():
        click.echo("Could not reach Redis to close the live connections; they close on reconnect.", err=True)


@click.group()
def cli() -> None:
    """Facilitator: run group job interviews live."""


@cli.command()
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int, show_default="5000")
def serve(host: str, port: int) -> None:
    """Start the web server (gevent; with no REDIS_URL, on the embedded Redis)."""
    from . import network, server
    from .store import get_redis, redis_settings
    from .store import users as user_store

    app = _app(serving=True)
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
    server.serve_forever(app, host, port, access_log=os.environ.get("FACILITATOR_ACCESS_LOG") == "1")


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

    from .services.accounts import password_problem
    from .store import get_redis
    from .store import users as user_store

    if "@" not in email or len(email) > 254:
        raise click.BadParameter("enter a valid email address", param_hint="EMAIL")
    if problem := password_problem(password, email):
        raise click.BadParameter(problem, param_hint="password")
    app = _app()
    with app.app_context():
        account = user_store.create(
            get_redis(), email, name or email.split("@")[0], role, generate_password_hash(password)
        )
    if account is None:
        raise click.ClickException(f"An account for {email} already exists.")
    click.echo(f"Created {role} {account.email}.")


@users.command("reset-link")
@click.argument("email")
def reset_link(email: str) -> None:
    """Print a one-time password reset link for a staff account (24 hours; the newest link
    only). For an admin who is locked out, or when no other admin can make one."""
    from .services.accounts import RESET_LINK_HOURS
    from .store import get_redis
    from .store import users as user_store

    app, user_id = _account(email)
    with app.app_context():
        r = get_redis()
        account = user_store.get(r, user_id)
        if account is None or not account.active:
            raise click.ClickException(f"The account for {email} is switched off.")
        token = user_store.issue_password_reset(r, user_id, RESET_LINK_HOURS * 3600)
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "5000")
    base = (
        app.config.get("PUBLIC_URL") or f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    )
    click.echo(f"{base}/reset/{token}")


@cli.group()
def tokens() -> None:
    """Manage API tokens."""


def _account(email: str) -> tuple[Flask, str]:
    """The app and the id of the account registered for `email` (or a clear error)."""
    from .store import get_redis
    from .store import users as user_store

    app = _app()
    with app.app_context():
        found = user_store.by_email(get_redis(), email)
    if found is None:
        raise click.ClickException(f"There is no account for {email}.")
    return app, found[0].id


@tokens.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, shown on the account page.")
@click.option(
    "--days",
    type=click.IntRange(1, 365),
    default=90,
    show_default=True,
    help="How long the token works (at most 365 days).",
)
def create_token(email: str, name: str, days: int) -> None:
    """Print a new API token for a staff account (shown once; keep it secret)."""
    from .domain.errors import DomainError
    from .services import accounts
    from .store import get_redis
    from .store import users as user_store

    if not 1 <= len(name.strip()) <= 60:
        raise click.BadParameter("give the token a name of 1 to 60 characters", param_hint="--name")
    app, user_id = _account(email)
    with app.app_context():
        r = get_redis()
        account = user_store.get(r, user_id)
        assert account is not None
        try:
            token, record = accounts.create_token(r, account, accounts.NewToken(name=name, days=days))
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(token)
    click.echo(f"Token {record.id} “{record.name}” expires {_date(record.expires_at)}.", err=True)


@tokens.command("list")
@click.argument("email")
def list_tokens(email: str) -> None:
    """List a staff account's API tokens: id, name, created, last used, expires."""
    from .store import api_tokens, get_redis

    app, user_id = _account(email)
    with app.app_context():
        found = api_tokens.tokens_of(get_redis(), user_id)
    if not found:
        click.echo(f"{email} has no API tokens.")
    for token in found:
        used = _date(token.last_used_at) if token.last_used_at else "never"
        state = "expired" if token.expired() else "expires"
        click.echo(
            f"{token.id}  {token.name}  created {_date(token.created_at)}  last used {used}  "
            f"{state} {_date(token.expires_at)}"
        )


@tokens.command("revoke")
@click.argument("email")
@click.argument("token_id")
def revoke_token(email: str, token_id: str) -> None:
    """Revoke one API token by its id (from `tokens list`); it answers 401 from then on."""
    from .domain.errors import DomainError
    from .services import accounts
    from .store import get_redis
    from .store import users as user_store

    app, user_id = _account(email)
    with app.app_context():
        account = user_store.get(get_redis(), user_id)
        assert account is not None
        try:
            _close_sockets(accounts.revoke_token(get_redis(), account, token_id))
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"Revoked token {token_id} of {email}.")


def _date(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def main() -> None:
    """Entry point; `serve` patches the standard library for gevent before anything else loads."""
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        from gevent import monkey

        monkey.patch_all()
    cli()


if __name__ == "__main__":
    main()
