"""Words for the partners and needs domains, in the UI's language, and their audit labels."""

from flask_babel import lazy_gettext as _l

from charity.audit import labels

KIND_LABELS = {
    "merchant": _l("Caring merchant"),
    "courtyard": _l("Courtyard micro-scene"),
    "kindergarten": _l("Kindergarten"),
    "social_org": _l("Social organisation"),
    "enterprise": _l("Enterprise"),
    "other": _l("Other"),
}

STATUS_LABELS = {
    "active": _l("Active"),
    "paused": _l("Paused"),
    "left": _l("Left"),
}

GROUP_LABELS = {
    "elderly": _l("The elderly"),
    "children": _l("Children"),
    "special": _l("Special groups"),
    "new_employment": _l("New-employment workers"),
}

STATE_LABELS = {
    "open": _l("Open"),
    "matched": _l("Matched"),
    "in_service": _l("In service"),
    "closed": _l("Closed"),
    "declined": _l("Declined"),
}

URGENCY_LABELS = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("Urgent")}

SOURCE_LABELS = {
    "survey": _l("Door-to-door survey"),
    "suggestion": _l("Residents' suggestion"),
    "hotline": _l("Hotline"),
    "other": _l("Other"),
}


def label(table, value):
    value = getattr(value, "value", value)
    return table.get(value, value) if value is not None else ""


def register_filters(app):
    app.add_template_filter(lambda v: label(KIND_LABELS, v), "partner_kind")
    app.add_template_filter(lambda v: label(STATUS_LABELS, v), "partner_status")
    app.add_template_filter(lambda v: label(GROUP_LABELS, v), "beneficiary_group")
    app.add_template_filter(lambda v: label(STATE_LABELS, v), "need_state")
    app.add_template_filter(lambda v: label(URGENCY_LABELS, v), "urgency")
    app.add_template_filter(lambda v: label(SOURCE_LABELS, v), "need_source")


labels.register(
    actions={
        "partner.create": _l("Partner added"),
        "category.create": _l("Service category added"),
        "partner.update": _l("Partner changed"),
        "partner.contacts": _l("Merchant accounts of a partner changed"),
        "service.create": _l("Service added"),
        "service.update": _l("Service changed"),
        "partners.import": _l("Partners and services imported"),
        "resource_list.approve": _l("Resource service list approved"),
        "need.create": _l("Need recorded"),
        "need.match": _l("Need matched"),
        "need.start": _l("Need in service"),
        "need.close": _l("Need closed"),
        "need.decline": _l("Need declined"),
        "need.reopen": _l("Need reopened"),
        "meeting.create": _l("Council meeting recorded"),
    },
    objects={
        "partner": _l("Partner"),
        "category": _l("Service category"),
        "service": _l("Service"),
        "need": _l("Need"),
        "meeting": _l("Council meeting"),
        "resource_list": _l("Resource service list"),
    },
    fields={
        "kind": _l("Kind"),
        "address": _l("Address"),
        "contact_person": _l("Contact person"),
        "opening_hours": _l("Opening hours"),
        "joined_on": _l("Joined"),
        "status": _l("Status"),
        "is_charity_partner": _l("Charity merchant partner"),
        "partner_signed_on": _l("Partner plan signed"),
        "category": _l("Category"),
        "description": _l("Description"),
        "target_groups": _l("Groups served"),
        "schedule": _l("When offered"),
        "monthly_quota": _l("Monthly quota"),
        "points_price": _l("Price in points"),
        "state": _l("State"),
        "service": _l("Service"),
        "team": _l("Team"),
        "match_note": _l("Note"),
        "decline_reason": _l("Reason"),
        "meeting": _l("Council meeting"),
        "number": _l("Version"),
        "approved_on": _l("Approved on"),
        "users": _l("Merchant accounts"),
        "partners": _l("Partners"),
        "services": _l("Services"),
        "held_on": _l("Date"),
        "title": _l("Title"),
    },
)
