"""Names of the teams' codes on screen and on paper (a PDF module imports these, never a view)."""

from flask_babel import lazy_gettext as _l

from charity.teams.models import BeneficiaryGroup, TeamRole

GROUP_LABELS = {
    BeneficiaryGroup.elderly: _l("The elderly"),
    BeneficiaryGroup.children: _l("Children"),
    BeneficiaryGroup.special: _l("Special groups"),
    BeneficiaryGroup.new_employment: _l("New-employment workers"),
}

TEAM_ROLE_LABELS = {
    TeamRole.member: _l("Member"),
    TeamRole.organiser: _l("Organiser"),
    TeamRole.leader: _l("Leader"),
}


def group_label(value):
    """A beneficiary group's name (the ``group_label`` template filter)."""
    return GROUP_LABELS.get(BeneficiaryGroup(value), value)


def team_role_label(value):
    """A team role's name, "" for none (the ``team_role_label`` template filter)."""
    return TEAM_ROLE_LABELS.get(TeamRole(value), value) if value else ""
