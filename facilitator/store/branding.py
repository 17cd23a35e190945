"""The organisation's branding: one hash for its fields, one string for its logo."""

from __future__ import annotations

import base64
from typing import cast

import redis

from ..domain.branding import Brand
from . import keys


def load(r: redis.Redis) -> Brand:
    """The current branding (empty until an admin sets it)."""
    raw = cast(dict[str, str], r.hgetall(keys.branding()))
    return Brand(
        organisation=raw.get("organisation", ""),
        accent=raw.get("accent", ""),
        logo_type=raw.get("logo_type", ""),
        version=int(raw.get("version", 0)),
    )


def save(
    r: redis.Redis, organisation: str, accent: str, logo: tuple[str, bytes] | None, remove_logo: bool
) -> Brand:
    """Store the name and colour, and replace (`logo` is its type and bytes) or remove the logo,
    all in one transaction that also bumps the version caches are keyed on."""
    with r.pipeline(transaction=True) as pipe:
        pipe.hset(keys.branding(), mapping={"organisation": organisation, "accent": accent})
        if logo is not None:
            pipe.hset(keys.branding(), "logo_type", logo[0])
            pipe.set(keys.branding_logo(), base64.b64encode(logo[1]).decode("ascii"))
        elif remove_logo:
            pipe.hdel(keys.branding(), "logo_type")
            pipe.delete(keys.branding_logo())
        pipe.hincrby(keys.branding(), "version", 1)
        pipe.execute()
    return load(r)


def logo(r: redis.Redis) -> tuple[str, bytes] | None:
    """The logo's content type and bytes, if one is stored."""
    with r.pipeline(transaction=True) as pipe:
        pipe.hget(keys.branding(), "logo_type")
        pipe.get(keys.branding_logo())
        kind, encoded = cast(list[str | None], pipe.execute())
    if not kind or not encoded:
        return None
    return kind, base64.b64decode(encoded)
