"""Static files by content hash, compressed once, and the modules a page needs, preloaded.

Every `url_for('static', ...)` carries `?v=<hash of the file>`; a request with the current
hash is answered `immutable` for a year, so a repeat load asks for nothing but the page.
Inside the JavaScript, each module's `import ... from "./x.js"` is rewritten to the imported
file's hashed URL (its hash covers the rewritten text, so a change anywhere below a module
changes its URL too); a page lists every module it will import as `modulepreload`, so the
browser fetches them all at once instead of discovering them one level at a time. We do this
rather than an import map because an import map is an inline script, which our CSP forbids.

Text responses above COMPRESS_FROM bytes go out gzipped when the browser accepts it: static
files compressed once per version and kept, pages and API answers as they are made. Our own
few lines rather than flask-compress: the static bodies are compressed once per hash (not once
per request), and brotli would need a compiled dependency for a few per cent over gzip -9.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, abort, request
from werkzeug.security import safe_join

COMPRESS_FROM = 1024
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
IMMUTABLE = "public, max-age=31536000, immutable"
# `import x from "./a.js"`, `import "./a.js"`, `export ... from "./a.js"`, `import("./a.js")`.
IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])([^"'\n]+\.js)\2""")


@dataclass
class Asset:
    """One file as served: its body (imports rewritten), hash, type and gzipped body."""

    body: bytes
    version: str
    mimetype: str
    stamps: dict[Path, float]
    imports: list[str] = field(default_factory=list)
    gzipped: bytes | None = None

    def compressed(self) -> bytes:
        """The body gzipped at the highest level, made once."""
        if self.gzipped is None:
            self.gzipped = gzip.compress(self.body, compresslevel=9, mtime=0)
        return self.gzipped


class Assets:
    """The files under /static/ and /vendor/, read, rewritten and hashed once per change."""

    def __init__(self, static_folder: Path, vendor: dict[str, Path], static_url: str = "/static") -> None:
        self.static_folder = static_folder
        self.vendor = vendor
        self.static_url = static_url
        self.cache: dict[str, Asset] = {}

    def _path(self, url: str) -> Path | None:
        if url.startswith("/vendor/"):
            return self.vendor.get(url.removeprefix("/vendor/"))
        found = safe_join(str(self.static_folder), url.removeprefix(self.static_url + "/"))
        return Path(found) if found is not None else None

    def get(self, url: str) -> Asset | None:
        """The asset at `url` (/static/... or /vendor/...), or None when there is no such file."""
        cached = self.cache.get(url)
        if cached is not None and all(_mtime(p) == t for p, t in cached.stamps.items()):
            return cached
        path = self._path(url)
        if path is None or not path.is_file():
            return None
        body = path.read_bytes()
        stamps = {path: _mtime(path)}
        imports: list[str] = []
        if path.suffix == ".js":
            body, imports = self._rewrite(url, body, stamps)
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".js":
            mimetype = "text/javascript"
        asset = Asset(body, hashlib.sha256(body).hexdigest()[:16], mimetype, stamps, imports)
        self.cache[url] = asset
        return asset

    def _rewrite(self, url: str, body: bytes, stamps: dict[Path, float]) -> tuple[bytes, list[str]]:
        imports: list[str] = []

        def hashed(match: re.Match[str]) -> str:
            target = match.group(3)
            if not target.startswith(("/", "./", "../")):
                return match.group(0)
            resolved = (
                target
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(posixpath.dirname(url), target))
            )
            found = self.get(resolved)
            if found is None:
                return match.group(0)
            stamps.update(found.stamps)
            imports.append(resolved)
            return f"{match.group(1)}{match.group(2)}{resolved}?v={found.version}{match.group(2)}"

        return IMPORT.sub(hashed, body.decode("utf-8")).encode("utf-8"), imports

    def version(self, filename: str) -> str | None:
        """The content hash of static file `filename`, or None when it does not exist."""
        found = self.get(f"{self.static_url}/{filename}")
        return found.version if found is not None else None

    def preloads(self, filename: str) -> list[str]:
        """Hashed URLs of every module static module `filename` imports, however deep."""
        seen: list[str] = []
        todo = list((self.get(f"{self.static_url}/{filename}") or Asset(b"", "", "", {})).imports)
        while todo:
            url = todo.pop(0)
            found = self.get(url)
            if url in seen or found is None:
                continue
            seen.append(url)
            todo += found.imports
        return [f"{url}?v={self.get(url).version}" for url in seen]  # type: ignore[union-attr]

    def respond(self, url: str) -> Response:
        """The asset as a response: immutable when asked for by its current hash."""
        asset = self.get(url)
        if asset is None:
            abort(404)
        response = Response(asset.body, mimetype=asset.mimetype)
        if request.args.get("v") == asset.version:
            response.headers["Cache-Control"] = IMMUTABLE
        else:  # an old or missing hash: serve the current file, but let nobody keep it
            response.headers["Cache-Control"] = "no-cache"
            response.set_etag(asset.version)
            response.make_conditional(request)
        if _accepts_gzip() and response.status_code == 200 and len(asset.body) >= COMPRESS_FROM:
            response.set_data(asset.compressed())
            response.headers["Content-Encoding"] = "gzip"
            response.headers["Vary"] = "Accept-Encoding"
        return response


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def _accepts_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def compress(response: Response) -> Response:
    """Gzip a text response above COMPRESS_FROM bytes for a browser that accepts it."""
    if (
        response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
        or not (response.mimetype or "").startswith(COMPRESSIBLE)
        or not _accepts_gzip()
    ):
        return response
    body = response.get_data()
    if len(body) < COMPRESS_FROM:
        return response
    response.set_data(gzip.compress(body, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    etag = response.get_etag()[0]
    if etag:  # the gzipped body is another representation, so another tag
        response.set_etag(etag + "-gz", weak=True)
    return response


def install(app: Flask, vendor: dict[str, Path]) -> Assets:
    """Serve /static/ through `Assets`, hash every static URL, compress text responses."""
    assets = Assets(Path(app.static_folder or "static"), vendor, app.static_url_path or "/static")
    app.view_functions["static"] = lambda filename: assets.respond(f"{assets.static_url}/{filename}")

    @app.url_defaults
    def hashed_static(endpoint: str, values: dict[str, object]) -> None:
        if endpoint == "static" and "v" not in values and isinstance(values.get("filename"), str):
            version = assets.version(str(values["filename"]))
            if version is not None:
                values["v"] = version

    app.jinja_env.globals["module_preloads"] = assets.preloads
    app.after_request(compress)
    return assets
