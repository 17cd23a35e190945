"""Random identifiers and codes, made with the secrets module."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L, 5/S, 2/Z or 8/B: a code read off a projector must not be misread.
JOIN_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY3469"
# 24**10 is about 6.3e13 codes. Checks of typed codes are paced to at most 360 wrong ones a
# minute overall (services/joining.py), so with 100 live sessions a guesser's chance of hitting
# any of their codes in a day is at most 360 * 1440 * 100 / 24**10, about 8.2e-7.
JOIN_CODE_LENGTH = 10


def new_id(length: int = 10) -> str:
    """A short random id for records (URL-safe)."""
    return secrets.token_urlsafe(length)[:length].replace("-", "x").replace("_", "y")


def new_token() -> str:
    """A long random secret for links and device tokens (256 bits)."""
    return secrets.token_urlsafe(32)


def new_join_code() -> str:
    """A short join code from an alphabet that cannot be misread."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(raw: str) -> str:
    """Upper-case a typed code and drop spaces and dashes people add when reading it."""
    return "".join(ch for ch in raw.upper() if ch not in " -\t")
