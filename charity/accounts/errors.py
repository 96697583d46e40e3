"""Named errors of the accounts domain. Each leaves the database unchanged."""

from charity.errors import CharityError, ValidationFailed


class InvalidCredentials(CharityError):
    pass


class AccountInactive(CharityError):
    pass


class WrongPassword(ValidationFailed):
    """The current password given was not the user's."""
