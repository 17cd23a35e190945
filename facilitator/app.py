"""The application factory."""

from __future__ import annotations

import functools
from typing import Any

from flask import Flask

from . import config as settings
from . import store
from .extensions import csrf, login_manager, socketio


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, Redis, extensions, pages, API and sockets."""
    app = Flask(__name__, static_folder="../static", template_folder="../templates")
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_mapping(settings.from_environment() if test_config is None else {})
    if test_config is not None:
        app.config.from_mapping(test_config)
    loader = app.config.pop("SECRET_KEY_LOADER", None)
    if not app.config.get("SECRET_KEY") and loader is not None:
        app.config["SECRET_KEY"] = loader()

    # Handlers must be imported before socketio.init_app: Flask-SocketIO applies the
    # handlers it has collected to each server it creates (one per app, in tests).
    from . import realtime, web  # noqa: F401
    from .realtime import gate, transport

    store.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    # Always named: Flask-SocketIO keeps init_app's options, so an app without the stream
    # after one with it (tests make many) would inherit the other's manager.
    manager: dict[str, Any] = {"client_manager": None}
    if app.config.get("PUSH_STREAM"):
        # Several processes share pushes through a Redis Stream; the embedded default runs one.
        from .realtime.streams import StreamManager

        redis_settings = store.redis_settings(app)
        manager["client_manager"] = StreamManager(
            functools.partial(store.open_client, redis_settings),
            maxlen=int(app.config.get("PUSH_STREAM_LENGTH", 10_000)),
        )
    # One origin rule for every transport; the guard in front of Engine.IO refuses JSONP and
    # drops cookies the browser does not vouch for (realtime/transport.py).
    origins = app.extensions[transport.POLICY] = transport.OriginPolicy(app.config.get("ALLOWED_ORIGINS"))
    socketio.init_app(
        app,
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE", "gevent"),
        **manager,
        cors_allowed_origins=origins,
        # A client's events run one after the other on its own socket's greenlet, in the order
        # it sent them, rather than each on a greenlet of its own: about 15 % less server CPU per
        # acknowledged observation (bench/observations.py). Every handler is short; one that
        # waits on storage holds up only its own client's next event.
        async_handlers=False,
        ping_interval=10,
        ping_timeout=20,
        max_http_buffer_size=256 * 1024,
    )
    gate.install(socketio.server)
    app.wsgi_app = transport.TransportGuard(  # type: ignore[method-assign]
        app.wsgi_app, origins, "socket.io", gate.closer(socketio.server)
    )
    transport.quiet_frame_errors()
    if app.config.get("TRUSTED_PROXIES"):
        # Outermost, so Engine.IO's origin check sees the scheme and host the browser used.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    web.init_app(app)
    return app
