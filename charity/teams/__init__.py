"""Resident volunteers and self-governance teams."""

from flask_babel import lazy_gettext as _l

from charity.audit import labels

labels.register(
    actions={
        "volunteer.create": _l("Volunteer recorded"),
        "team.create": _l("Team created"),
        "team.member_add": _l("Member joined a team"),
        "team.member_role": _l("Member's role in a team changed"),
        "team.member_leave": _l("Member left a team"),
    },
    objects={"volunteer": _l("Volunteer"), "team": _l("Team")},
    fields={
        "tags": _l("Tags"),
        "consent_on": _l("Consent given on"),
        "user_id": _l("Sign-in account"),
        "description": _l("Description"),
        "focus_groups": _l("Focus groups"),
        "volunteer": _l("Volunteer"),
        "role": _l("Role in the team"),
        "joined_on": _l("Joined on"),
        "left_on": _l("Left on"),
    },
)
