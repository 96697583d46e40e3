"""Named errors of the micro-venture grants. Each leaves the database unchanged."""

from flask_babel import lazy_gettext as _l

from charity.errors import CharityError, IllegalTransition, ValidationFailed

__all__ = ["IllegalTransition"]  # the one class of charity.errors, re-exported for the grants


class GrantError(CharityError):
    """Base of the grants' business-rule errors."""


class CapExceeded(GrantError):
    """Approving the amount would take the round's committed total above its cap."""

    @staticmethod
    def default_message():
        return _l("The round's budget cap does not leave room for this amount.")


class Recused(GrantError):
    """The reviewer declared a conflict of interest on this application."""

    @staticmethod
    def default_message():
        return _l("You declared a conflict of interest on this application: "
                  "you may neither score nor vote on it.")


class NotOnPanel(GrantError):
    """The user is not on the round's review panel (or not a council member for a vote)."""

    @staticmethod
    def default_message():
        return _l("You are not on this round's review panel.")


class NoDeclaration(GrantError):
    """A panel member scores only after declaring conflicts (or none)."""

    @staticmethod
    def default_message():
        return _l("Declare your conflicts of interest (or that you have none) before scoring.")


class NotAnAttendee(GrantError):
    """A vote is recorded only for a council member who attended the meeting."""

    @staticmethod
    def default_message():
        return _l("Only council members who attended the meeting can vote in it.")


class ObjectionPending(GrantError):
    """An objection to the grant is not resolved yet."""

    @staticmethod
    def default_message():
        return _l("An objection to this grant is not resolved yet.")


class NoticeNotOver(GrantError):
    """The public notice period has not ended."""

    @staticmethod
    def default_message():
        return _l("The public notice period has not ended yet.")


class ScoringOpen(GrantError):
    """A decision waits until every panel member has scored or the chair closed scoring."""

    @staticmethod
    def default_message():
        return _l("Scoring is still open: every reviewer must score, or the chair must close scoring.")


class NotTheLeader(GrantError):
    """Only the team's current leader acts for the team."""

    @staticmethod
    def default_message():
        return _l("Only the team's leader can do this.")


class RoundClosed(GrantError):
    """Applications are submitted only while the round is open."""

    @staticmethod
    def default_message():
        return _l("The round is not open for applications.")


class BudgetInvalid(ValidationFailed):
    """A budget line or total that does not add up, or a total above the round's maximum."""


class RoundInvalid(ValidationFailed):
    """A round setting that breaks a rule (weights not summing to 100, say)."""
