"""The signed-in staff member as Flask-Login sees them."""

from __future__ import annotations

from flask_login import UserMixin

from ..store.users import StaffUser


class StaffPrincipal(UserMixin):
    """Wraps a stored staff account and the sign-in this browser holds."""

    def __init__(self, account: StaffUser, sign_in_id: str) -> None:
        self.account = account
        self.sign_in_id = sign_in_id

    def get_id(self) -> str:
        """What the session cookie keeps: "<user id>:<sign-in id>", so ending the sign-in on
        the server ends every copy of the cookie."""
        return f"{self.account.id}:{self.sign_in_id}"

    @property
    def role(self) -> str:
        """admin, facilitator or observer."""
        return self.account.role

    @property
    def credential(self) -> str:
        """How a socket opened with this browser's cookie names what let it in."""
        return f"sign-in:{self.sign_in_id}"
