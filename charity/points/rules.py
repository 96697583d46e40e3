"""The points settings and rule versions: hold days, expiry, levels, points per hour."""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.audit.services import record
from charity.dbutil import lock_row
from charity.extensions import db
from charity.models_base import utcnow
from charity.points.errors import RuleInvalid
from charity.points.models import DEFAULT_POINTS_PER_HOUR, PointRuleVersion, PointSettings
from charity.projects.models import ActivityKind
from charity.teams.services import actor_id

#: Before any community existed: the seeded first version applies to all service.
BEGINNING = datetime(2000, 1, 1, tzinfo=timezone.utc)


# --- settings and rule versions --------------------------------------------------------

def seed_points(community):
    """Each community starts with settings and rule version 1 (10 points an hour for every
    kind, no cap, no bonus), in force from the beginning (idempotent)."""
    settings_for(community)
    if db.session.scalar(sa.select(PointRuleVersion.id).where(
            PointRuleVersion.community_id == community.id)) is None:
        db.session.add(PointRuleVersion(
            community_id=community.id, number=1, effective_from=BEGINNING,
            rates={k.value: DEFAULT_POINTS_PER_HOUR for k in ActivityKind}, cap_per_activity=None,
            organiser_bonus=0, note="默认规则"))
        db.session.flush()


def settings_for(community):
    settings = db.session.scalar(sa.select(PointSettings).where(PointSettings.community_id == community.id))
    if settings is None:
        settings = PointSettings(community_id=community.id, hold_days=14, issuing_org=community.name)
        db.session.add(settings)
        db.session.flush()
    return settings


def parse_thresholds(text):
    """``"20,100,300"`` -> ``[20, 100, 300]``: 1 to 10 ascending whole hours.

    :raises RuleInvalid: anything else."""
    try:
        hours = [int(part) for part in (text or "").replace("，", ",").split(",") if part.strip()]
    except ValueError:
        raise RuleInvalid(_l("Give the hours for each star as whole numbers, such as "
                             "20,100,300,600,1000.")) from None
    if not 1 <= len(hours) <= 10 or hours[0] <= 0 or hours != sorted(set(hours)) or hours[-1] > 100_000:
        raise RuleInvalid(_l("Give 1 to 10 ascending whole numbers of hours, such as 20,100,300,600,1000."))
    return hours


SETTINGS_FIELDS = ("hold_days", "expiry_months", "level_hours", "issuing_org", "person_in_charge",
                   "handler", "contact_phone")


def update_settings(community, *, actor=None, **values):
    """Change the community's points settings (audited).

    :raises RuleInvalid: hold days outside 1–90, expiry outside 1–120 months, bad thresholds.
    """
    settings = settings_for(community)
    hold_days, expiry = values.get("hold_days"), values.get("expiry_months")
    if not isinstance(hold_days, int) or not 1 <= hold_days <= 90:
        raise RuleInvalid(_l("A code holds its points for 1 to 90 days."))
    if expiry is not None and (not isinstance(expiry, int) or not 1 <= expiry <= 120):
        raise RuleInvalid(_l("Points expire after 1 to 120 months, or never."))
    values["level_hours"] = ",".join(str(h) for h in parse_thresholds(values.get("level_hours")))
    before = {f: getattr(settings, f) for f in SETTINGS_FIELDS}
    for field in SETTINGS_FIELDS:
        value = values.get(field)
        setattr(settings, field, value.strip()[:120] if isinstance(value, str) else value)
    db.session.flush()
    record("points.settings", "point_settings", settings.id, community=community, actor=actor,
           before=before, after={f: getattr(settings, f) for f in SETTINGS_FIELDS})
    return settings


def rule_in_force(community_id, at):
    """The rule version a verification at ``at`` uses: the latest one in force by then."""
    return db.session.scalar(sa.select(PointRuleVersion).where(
        PointRuleVersion.community_id == community_id, PointRuleVersion.effective_from <= at)
        .order_by(PointRuleVersion.effective_from.desc(), PointRuleVersion.number.desc()).limit(1))


def rule_versions(community):
    return db.session.scalars(sa.select(PointRuleVersion).where(PointRuleVersion.community_id == community.id)
                              .order_by(PointRuleVersion.number.desc())).all()


def new_rule_version(community, *, rates, cap_per_activity=None, organiser_bonus=0, effective_from=None,
                     note="", actor=None):
    """Add a rule version in force from ``effective_from`` (default: now). Earlier
    versions are kept unchanged; service verified before the new start keeps its points.

    :raises RuleInvalid: a start in the past, a rate missing or outside 0–1000 per hour, a
        cap or bonus out of range.
    """
    now = utcnow()
    effective_from = effective_from or now
    if effective_from < now - timedelta(minutes=5):
        raise RuleInvalid(_l("New rules apply from now on: a start in the past would rewrite history."))
    clean = {}
    for kind in ActivityKind:
        value = (rates or {}).get(kind.value)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
            raise RuleInvalid(_l("Give whole points per hour from 0 to 1000 for every kind of activity."))
        clean[kind.value] = value
    if cap_per_activity is not None and (not isinstance(cap_per_activity, int)
                                         or not 1 <= cap_per_activity <= 100_000):
        raise RuleInvalid(_l("The cap per activity is 1 to 100000 points, or none."))
    if not isinstance(organiser_bonus, int) or not 0 <= organiser_bonus <= 10_000:
        raise RuleInvalid(_l("The organiser bonus is 0 to 10000 points."))
    lock_row(PointSettings, settings_for(community).id)  # numbers are given out one at a time
    number = (db.session.scalar(sa.select(sa.func.max(PointRuleVersion.number)).where(
        PointRuleVersion.community_id == community.id)) or 0) + 1
    version = PointRuleVersion(community_id=community.id, number=number, effective_from=effective_from,
                               rates=clean, cap_per_activity=cap_per_activity,
                               organiser_bonus=organiser_bonus, note=(note or "").strip()[:200],
                               created_by_id=actor_id(actor))
    db.session.add(version)
    db.session.flush()
    record("points.rules", "point_rule_version", version.id, community=community, actor=actor,
           label=f"#{number}", after={"number": number, "effective_from": effective_from, "rates": clean,
                                      "cap_per_activity": cap_per_activity,
                                      "organiser_bonus": organiser_bonus})
    return version


def level_for(minutes, thresholds):
    """``(stars, hours needed for the next star or None)`` for honour ``minutes``."""
    hours = minutes // 60
    stars = sum(1 for h in thresholds if hours >= h)
    return stars, (thresholds[stars] if stars < len(thresholds) else None)
