"""Domain errors: expected refusals that a user should see explained."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; `code` is stable, `message` is for people."""

    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, str]:
        """The error as it travels in acknowledgements and JSON responses."""
        return {"code": self.code, "message": self.message}


class NotFound(DomainError):
    """The thing named does not exist (or is not visible to the caller)."""

    status = 404


class Forbidden(DomainError):
    """The caller's role may not do this."""

    status = 403


class Conflict(DomainError):
    """The request is valid but the current state does not allow it."""

    status = 409
