"""Client payloads read strictly: bounded in size and depth, every value of its own JSON type.

Socket events and JSON API bodies both go through `read`. It measures the payload before
pydantic sees it (a payload too large or nested too deep is refused with its own code), then
validates the JSON text in strict mode: `"5"` is not 5, `"yes"` is not true, 5 is not "5" and
2.5 is not a whole number, while ISO 8601 times and enum values read as JSON writes them.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel

from .domain.errors import DomainError

M = TypeVar("M", bound=BaseModel)

# The largest command a client sends is a rating with 30 scores of 2,000 characters of
# evidence (about 62 KB in ASCII); Engine.IO closes a connection whose frame passes 256 KiB.
MAX_BYTES = 128 * 1024
# The deepest command nests three levels (a rating's scores, an exercise's role briefs).
MAX_DEPTH = 10


class PayloadTooLarge(DomainError):
    """More bytes than any command needs."""

    status = 413

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            "too_large", f"The request is too large: {size:,} bytes, where at most {limit:,} are accepted."
        )


class PayloadTooDeep(DomainError):
    """Nested deeper than any command is."""

    def __init__(self) -> None:
        super().__init__(
            "too_deep", f"The request is nested too deeply: at most {MAX_DEPTH} levels of objects and lists."
        )


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `value` nests objects and lists more than `limit` levels (walked level by level,
    without recursion, so a hostile payload cannot exhaust the stack)."""
    level = [value] if isinstance(value, dict | list) else []
    for _ in range(limit):
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def encode(payload: Any, max_bytes: int = MAX_BYTES) -> bytes:
    """The payload as compact JSON, once it is known to be within the size and depth limits."""
    try:
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    except RecursionError:
        raise PayloadTooDeep() from None
    if len(raw) > max_bytes:
        raise PayloadTooLarge(len(raw), max_bytes)
    if too_deep(payload):
        raise PayloadTooDeep()
    return raw


def decode(raw: bytes) -> Any:
    """A request body's JSON (None if it is not JSON); nesting past the parser's reach is too deep."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise PayloadTooDeep() from None
    except ValueError:
        return None


def read(model: type[M], payload: Any, max_bytes: int = MAX_BYTES) -> M:
    """A decoded JSON payload as `model`, validated strictly as the JSON it arrived as."""
    return model.model_validate_json(encode(payload, max_bytes), strict=True)
