"""Volunteer points (积分): rules, earning from verified service, the ledger, honour hours
and levels, redemption with merchant partners, expiry, statements and service certificates."""

from flask_babel import lazy_gettext as _l

from charity.audit import labels

labels.register(
    actions={
        "points.rules": _l("Point rules changed"),
        "points.settings": _l("Points settings changed"),
        "points.adjust": _l("Points adjusted"),
        "points.redemption.hold": _l("Redemption code issued"),
        "points.redemption.redeem": _l("Redemption fulfilled"),
        "points.redemption.cancel": _l("Redemption cancelled"),
        "points.redemption.expire": _l("Redemption hold expired"),
        "points.expire": _l("Points expired"),
        "points.certificate": _l("Service certificate issued"),
        "points.commendation": _l("Training or commendation recorded"),
        "points.opt_out": _l("Leaderboard choice changed"),
        "volunteer.identity": _l("Identity on certificates changed"),
    },
    objects={
        "point_account": _l("Points account"),
        "point_rule_version": _l("Point rules"),
        "point_settings": _l("Points settings"),
        "point_redemption": _l("Redemption"),
        "service_certificate": _l("Service certificate"),
    },
    fields={
        "points": _l("Points"),
        "rates": _l("Points per hour"),
        "cap_per_activity": _l("Cap per activity"),
        "organiser_bonus": _l("Organiser bonus"),
        "effective_from": _l("In force from"),
        "code": _l("Code"),
        "on_behalf": _l("On behalf"),
        "hold_days": _l("Hold days"),
        "expiry_months": _l("Expiry (months)"),
        "level_hours": _l("Level thresholds (hours)"),
        "number": _l("Number"),
        "leaderboard_opt_out": _l("Not on the leaderboard"),
        "id_type": _l("ID type"),
        "id_number": _l("ID number"),
        "volunteer_number": _l("Volunteer number"),
        "awarded_on": _l("Date"),
        "period_start": _l("Service from"),
        "period_end": _l("Service to"),
        "minutes": _l("Minutes"),
        "service": _l("Service"),
        "issuing_org": _l("Issuing organisation"),
        "person_in_charge": _l("Person in charge"),
        "handler": _l("Handler"),
        "contact_phone": _l("Contact telephone"),
    },
)

from charity.points import models  # noqa: E402,F401  (models for Alembic)
