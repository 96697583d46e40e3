"""Named errors of the projects domain. Each leaves the database unchanged."""

from charity.errors import IllegalTransition, ValidationFailed


class ActivityLocked(IllegalTransition):
    """A submitted or verified activity cannot be changed."""


class RosterError(ValidationFailed):
    """A roster entry that is not whole quarter hours, or a volunteer of another community."""


class NotActiveProject(ValidationFailed):
    """Activities are logged only against a team's active project."""


class ProjectNeedInvalid(ValidationFailed):
    """The need to link is not a need of this community that is still open, matched or in
    service."""


class ProjectServiceInvalid(ValidationFailed):
    """A service to link is not an active service of an active partner of this community."""


class InvalidUpload(ValidationFailed):
    """Not a JPEG, PNG or PDF by content, empty, or too large."""
