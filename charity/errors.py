"""Named errors for broken business rules.

A service raises one of these; a view turns it into a flash message or a form error.
Each carries a translatable, user-facing message.
"""

from flask_babel import lazy_gettext as _l


class CharityError(Exception):
    """Base of every business-rule error. ``message`` is shown to the user.

    ``status`` is the HTTP status the one error handler answers with when a view lets
    the error through: 422 for a rule the input broke (the form is shown again), 403,
    404 or 409 where those say it better.
    """

    status = 422

    def __init__(self, message=None):
        self.message = message if message is not None else self.default_message()
        super().__init__(str(self.message))

    @staticmethod
    def default_message():
        return _l("The request could not be completed.")


class NotFound(CharityError):
    """The object does not exist in the current community."""

    status = 404


class PermissionDenied(CharityError):
    """The current user's roles do not allow this."""

    status = 403


class IllegalTransition(CharityError):
    """A workflow step that the record's current state does not allow (or that a
    simultaneous request took first). The one class for every workflow."""

    status = 409


class ValidationFailed(CharityError):
    """Input broke a rule that needs other rows (a duplicate name, say)."""


class DuplicateUsername(ValidationFailed):
    pass


class LastAdminError(CharityError):
    """A change would leave the community without an active admin."""


class AccountLocked(CharityError):
    """Too many failed logins for this account or address."""

    def __init__(self, message, retry_after_minutes):
        self.retry_after_minutes = retry_after_minutes
        super().__init__(message)


class AuditImmutable(CharityError):
    """Audit events are append-only; an update or delete was attempted."""
