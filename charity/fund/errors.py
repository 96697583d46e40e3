"""Named errors of the fund ledger. Each leaves the database unchanged."""

from flask_babel import lazy_gettext as _l

from charity.errors import CharityError, IllegalTransition


class FundError(CharityError):
    """Base of the fund's business-rule errors."""


class UnbalancedEntry(FundError):
    """The lines do not sum to zero, or there are fewer than two."""

    @staticmethod
    def default_message():
        return _l("The entry's lines must be two or more and sum to zero.")


class InvalidPosting(FundError):
    """An unknown account, a zero or non-integer amount, an empty memo…"""


class ReservedAccount(FundError):
    """An account (or entry) that belongs to a module, chosen on a generic form: grant
    money moves only through the grants module, so each grant's books hold all of it."""

    @staticmethod
    def default_message():
        return _l("That account belongs to the grants: post it from the grant's page.")


class InsufficientFunds(FundError):
    """Cash, the bank account, unrestricted money or a restricted sub-fund would go below zero."""

    @staticmethod
    def default_message():
        return _l("Not enough money in the fund for this payment.")


class RestrictionViolation(FundError):
    """Restricted money would pay for something other than its purpose."""

    @staticmethod
    def default_message():
        return _l("Restricted money may only pay for its own purpose.")


class PeriodClosed(FundError):
    """The entry's value date lies in a closed month."""

    @staticmethod
    def default_message():
        return _l("That month is closed: no entry dated inside it can be posted.")


class AlreadyReversed(FundError):
    """An entry is reversed at most once, and a reversal is not reversed."""

    @staticmethod
    def default_message():
        return _l("This entry has already been reversed or is itself a reversal.")


#: A period close or reopening step that its state (or the actor's role) does not allow:
#: the one :class:`IllegalTransition`.
PeriodTransitionError = IllegalTransition


class ReopenNeedsTwoPeople(IllegalTransition):
    """Reopening takes an admin and a council member: two different people."""

    @staticmethod
    def default_message():
        return _l("Reopening needs an admin and a council member: two different people.")
