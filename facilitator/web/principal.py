"""The signed-in staff member as Flask-Login sees them."""

from __future__ import annotations

from flask_login import UserMixin

from ..store.users import StaffUser


class StaffPrincipal(UserMixin):
    """Wraps a stored staff account for Flask-Login."""

    def __init__(self, account: StaffUser) -> None:
        self.account = account

    def get_id(self) -> str:
        """The id kept in the session cookie."""
        return self.account.id

    @property
    def role(self) -> str:
        """admin, facilitator or observer."""
        return self.account.role
