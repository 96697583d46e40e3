"""Named errors of the needs domain. Each leaves the database unchanged."""

from charity.errors import ValidationFailed


class ConsentMissing(ValidationFailed):
    """A named resident without their recorded consent."""


class MatchTargetInvalid(ValidationFailed):
    """The service to match is not an active service of an active partner here, or the
    team is not a team of this community."""


class MatchTargetAmbiguous(ValidationFailed):
    """A match names both a service and a team, or neither: it takes exactly one."""


class DeclineReasonMissing(ValidationFailed):
    """Declining a need takes a reason."""
