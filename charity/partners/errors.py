"""Named errors of the partners domain. Each leaves the database unchanged."""

from flask_babel import lazy_gettext as _l

from charity.errors import CharityError, ValidationFailed


class ImportRejected(CharityError):
    """The file or some rows are bad; ``problems`` lists ``(sheet, row, message)``."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(_l("Nothing was imported: correct the rows below and try again."))


class DuplicatePartnerName(ValidationFailed):
    """Another partner of the community has this name."""


class DuplicateServiceName(ValidationFailed):
    """The partner already offers a service of this name."""


class PartnerPlanDateMissing(ValidationFailed):
    """A charity merchant partner needs the date the plan was signed."""


class NotAMerchant(ValidationFailed):
    """Only a user holding the merchant role here can act for a partner."""


class UnknownCategory(ValidationFailed):
    """The category is not in this community's list."""


class DuplicateCategory(ValidationFailed):
    """The community's list already has this category."""


class MeetingHasApprovedList(CharityError):
    """A meeting approves at most one version of the list."""
