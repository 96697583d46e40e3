"""Named errors of the points scheme. Each leaves the database unchanged."""

from flask_babel import lazy_gettext as _l

from charity.errors import CharityError, IllegalTransition, ValidationFailed


class PointsError(CharityError):
    """Base of the points' business-rule errors."""


class InsufficientPoints(PointsError):
    """The spendable balance does not cover the request."""

    @staticmethod
    def default_message():
        return _l("Not enough points for this.")


class QuotaExhausted(PointsError):
    """The service's codes for this month are all given out."""

    @staticmethod
    def default_message():
        return _l("This service has no places left this month.")


class NotRedeemable(PointsError):
    """The service is not offered for points (inactive, no price, another community)."""

    @staticmethod
    def default_message():
        return _l("This service cannot be redeemed with points.")


#: A redemption step its state does not allow: the one :class:`IllegalTransition`.
IllegalRedemptionTransition = IllegalTransition


class UnknownCode(PointsError):
    """No code of this merchant's services matches what was typed."""

    @staticmethod
    def default_message():
        return _l("No open code of your services matches. Check the code and try again.")


class RuleInvalid(ValidationFailed):
    """A rule version or setting that breaks a rule (a start in the past, bad thresholds)."""


class NoVolunteerRecord(PointsError):
    """The signed-in user has no volunteer record in this community."""

    @staticmethod
    def default_message():
        return _l("Your account is not linked to a volunteer record yet: ask the service centre.")
