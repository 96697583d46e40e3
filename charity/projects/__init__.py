"""The project pool, activities, their rosters, beneficiaries and evidence."""

from flask_babel import lazy_gettext as _l

from charity.audit import labels

labels.register(
    actions={
        "project.create": _l("Project published"),
        "project.claim": _l("Project claimed"),
        "project.confirm": _l("Claim confirmed"),
        "project.decline": _l("Claim declined"),
        "project.complete": _l("Project completed"),
        "project.cancel": _l("Project cancelled"),
        "project.links": _l("Project's need and services changed"),
        "activity.create": _l("Activity logged"),
        "activity.update": _l("Activity changed"),
        "activity.submit": _l("Activity submitted"),
        "activity.verify": _l("Activity verified"),
        "activity.return": _l("Activity returned"),
        "activity.supersede": _l("Activity replaced by its amendment"),
        "activity.amend": _l("Amendment started"),
        "evidence.add": _l("Evidence uploaded"),
        "evidence.remove": _l("Evidence removed"),
    },
    objects={"project": _l("Project"), "activity": _l("Activity"), "evidence": _l("Evidence")},
    fields={
        "title": _l("Title"),
        "state": _l("State"),
        "team": _l("Team"),
        "target_groups": _l("Target groups"),
        "expected_activities": _l("Expected activities"),
        "need": _l("Need"),
        "services": _l("Services"),
        "kind": _l("Type"),
        "starts_at": _l("Start"),
        "ends_at": _l("End"),
        "place": _l("Place"),
        "roster": _l("Roster (minutes)"),
        "beneficiaries": _l("Beneficiaries"),
        "return_reason": _l("Reason for return"),
        "amends": _l("Amends activity"),
        "file": _l("File"),
    },
)
