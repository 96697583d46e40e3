"""Named errors of the teams domain. Each leaves the database unchanged."""

from flask_babel import lazy_gettext as _l

from charity.errors import CharityError, ValidationFailed


class DuplicateVolunteer(ValidationFailed):
    """A volunteer with this phone number is already recorded; ``existing`` is that one."""

    def __init__(self, existing):
        self.existing = existing
        super().__init__(_l("A volunteer with this mobile number is already recorded: %(name)s.",
                            name=existing.name))


class DuplicateTeam(ValidationFailed):
    pass


class MembershipError(CharityError):
    """A member added twice, a role unchanged, a leave date before the join date."""
