"""The points rules: the one way points enter, move on, or leave a volunteer's account.

Every change of an account goes through :func:`_apply`, one conditional UPDATE
(``… WHERE balance + :points >= 0 AND held + :held >= 0``) that also takes the account's
row lock (PostgreSQL) or the write lock (SQLite), followed by the entry in the same
transaction. So the balance never goes below zero, also under concurrent requests, and
lots are read and consumed only by the transaction holding that lock. Services flush;
the caller commits. A refused request raises a named :mod:`charity.points.errors` error
before anything is written, or undoes what it did (quota counter) before raising.

Earning (:func:`award_for_activity`, the receiver of
:data:`charity.signals.activity_verified`): each volunteer on a verified
roster earns ``floor(minutes × points per hour / 60)``, at most the version's cap, plus
the organiser bonus when they were an organiser or leader of the activity's team that
day. The version in force at the verification time applies; an amendment uses the
version of the original it corrects (a correction of the record, not new service), so a
later rule change never rewrites an earlier activity. Exactly once: each earn entry has
the key ``earn:<activity id>:<volunteer id>`` and the database refuses a second entry
with the same key (UNIQUE per community), whichever process tries. An amendment posts a
correcting earn entry per volunteer: points due under the corrected roster less what the
chain of activities already posted, and the honour minutes from
:func:`charity.projects.services.roster_difference`. When a correction takes points back
that were already spent, it takes what is spendable and names the shortfall in the memo;
the next correction or a staff adjustment recovers the rest (the balance never goes
below zero). Honour minutes fall only through such a correction, never by spending.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity import signals
from charity.audit.services import record
from charity.dbutil import dialect_insert, lock_row
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.models_base import local_today, local_zone, utcnow
from charity.partners.models import Partner, PartnerContact, PartnerStatus, Service
from charity.points.errors import (
    IllegalRedemptionTransition,
    InsufficientPoints,
    NotRedeemable,
    QuotaExhausted,
    RuleInvalid,
    UnknownCode,
)
from charity.points.labels import REDEMPTION_STATE_NAMES
from charity.points.models import (
    DEFAULT_POINTS_PER_HOUR,
    EntryKind,
    LotUse,
    PointAccount,
    PointEntry,
    PointLot,
    PointRuleVersion,
    PointSettings,
    QuotaUse,
    Redemption,
    RedemptionState,
)
from charity.projects.models import ActivityKind
from charity.projects.services import roster_difference, roster_of
from charity.statemachine import Workflow
from charity.teams.models import TeamMember, TeamRole, Volunteer

#: Before any community existed: the seeded first version applies to all service.
BEGINNING = datetime(2000, 1, 1, tzinfo=timezone.utc)
#: Largest number of points one entry moves (far beyond any real scheme).
MAX_POINTS = 1_000_000
#: Redemption codes: no 0/O, 1/I/L, so they can be read out and typed without mistakes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def _community(community_id):
    from charity.accounts.models import Community

    return db.session.get(Community, community_id)


def _actor_id(actor):
    from charity.teams.services import actor_id

    return actor_id(actor)


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
                               created_by_id=_actor_id(actor))
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


# --- accounts and the posting core -----------------------------------------------------

def account_for(volunteer):
    """The volunteer's account, opened on first use (safe under concurrent first uses)."""
    account = db.session.scalar(sa.select(PointAccount).where(PointAccount.volunteer_id == volunteer.id))
    if account is None:
        db.session.execute(dialect_insert(PointAccount).values(
            community_id=volunteer.community_id, volunteer_id=volunteer.id, balance=0, held=0,
            lifetime_points=0, lifetime_minutes=0, leaderboard_opt_out=False, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["volunteer_id"]))
        account = db.session.scalar(sa.select(PointAccount).where(PointAccount.volunteer_id == volunteer.id))
    return account


def _apply(account_id, *, points=0, held=0, minutes=0, earned=0):
    """Change an account's sums in one conditional UPDATE; False when the balance, the
    held points or the honour minutes would go below zero (nothing changed then)."""
    result = db.session.execute(
        sa.update(PointAccount)
        .where(PointAccount.id == account_id, PointAccount.balance + points >= 0,
               PointAccount.held + held >= 0, PointAccount.lifetime_minutes + minutes >= 0)
        .values(balance=PointAccount.balance + points, held=PointAccount.held + held,
                lifetime_minutes=PointAccount.lifetime_minutes + minutes,
                lifetime_points=PointAccount.lifetime_points + earned, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _entry(account, kind, *, key, memo, points=0, held=0, minutes=0, actor=None, **links):
    entry = PointEntry(community_id=account.community_id, account_id=account.id, kind=kind, points=points,
                       held=held, minutes=minutes, memo=memo[:200], idempotency_key=key,
                       created_by_id=_actor_id(actor), **links)
    db.session.add(entry)
    db.session.flush()
    return entry


def _entry_exists(community_id, key):
    return db.session.scalar(sa.select(PointEntry.id).where(
        PointEntry.community_id == community_id, PointEntry.idempotency_key == key)) is not None


def _expiry_of(community_id, earned_at):
    settings = db.session.scalar(sa.select(PointSettings).where(PointSettings.community_id == community_id))
    if settings is None or not settings.expiry_months:
        return None
    return add_months(earned_at, settings.expiry_months)


def add_months(moment, months):
    """``moment`` plus whole months (the 31st becomes the month's last day)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
            31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return moment.replace(year=year, month=month, day=min(moment.day, days))


def _open_lot(account, entry):
    db.session.add(PointLot(account_id=account.id, entry_id=entry.id, earned_at=entry.created_at,
                            expires_at=_expiry_of(account.community_id, entry.created_at),
                            points=entry.points, remaining=entry.points))


def _open_lots(account_id):
    return db.session.scalars(
        sa.select(PointLot).where(PointLot.account_id == account_id, PointLot.remaining > 0)
        .order_by(PointLot.earned_at, PointLot.id).execution_options(populate_existing=True)).all()


def _consume(account_id, points, redemption_id=None):
    """Take ``points`` from the account's lots, oldest first (the caller holds the lock
    through :func:`_apply`); record what a hold took, for its release."""
    left = points
    for lot in _open_lots(account_id):
        take = min(lot.remaining, left)
        lot.remaining -= take
        if redemption_id is not None:
            db.session.add(LotUse(redemption_id=redemption_id, lot_id=lot.id, points=take))
        left -= take
        if not left:
            break
    if left:  # the lots no longer cover the balance: verify-points names the account
        raise InsufficientPoints(_l("The points lots do not cover the balance; run verify-points."))
    db.session.flush()


# --- earning ---------------------------------------------------------------------------

def _chain(activity):
    """The activities an amendment replaces, newest first (an original has none)."""
    chain, current = [], activity.amends
    while current is not None:
        chain.append(current)
        current = current.amends
    return chain


def _role_on(activity, volunteer_id):
    """The volunteer's role in the activity's team on the activity's (local) day."""
    day = activity.starts_at.astimezone(local_zone()).date()
    member = db.session.scalar(sa.select(TeamMember).where(
        TeamMember.team_id == activity.team_id, TeamMember.volunteer_id == volunteer_id))
    if member is None or member.joined_on > day or (member.left_on is not None and member.left_on <= day):
        return None
    role = None
    for change in member.role_changes:
        if change.changed_on <= day:
            role = change.to_role
    return role or member.role


def entitlement(version, activity, volunteer_id, minutes):
    """Points one volunteer is due for ``minutes`` on ``activity`` under ``version``."""
    if minutes <= 0:
        return 0
    points = minutes * int(version.rates.get(activity.kind.value, 0)) // 60
    if version.cap_per_activity is not None:
        points = min(points, version.cap_per_activity)
    if version.organiser_bonus and _role_on(activity, volunteer_id) in (TeamRole.organiser, TeamRole.leader):
        points += version.organiser_bonus
    return points


def _version_for(activity, chain):
    if chain:
        first = db.session.scalar(sa.select(PointEntry.rule_version_id).where(
            PointEntry.activity_id.in_([a.id for a in chain]), PointEntry.rule_version_id.is_not(None))
            .order_by(PointEntry.id).limit(1))
        if first is not None:
            return db.session.get(PointRuleVersion, first)
        return rule_in_force(activity.community_id, chain[-1].verified_at or activity.verified_at)
    return rule_in_force(activity.community_id, activity.verified_at or utcnow())


def award_for_activity(activity, replaced=None, *, actor=None):
    """Post the points and honour minutes of a verified activity or amendment, once.

    Safe to call again (the demo and a backfill do): entries already posted under the
    activity's keys are skipped. Returns the entries posted now.
    """
    chain = _chain(activity)
    version = _version_for(activity, chain)
    if version is None:
        return []
    minutes_diff = roster_difference(activity)
    new_roster = roster_of(activity)
    old_roster = roster_of(chain[0]) if chain else {}
    posted = {}
    if chain:
        posted = dict(db.session.execute(
            sa.select(PointAccount.volunteer_id, sa.func.sum(PointEntry.points))
            .join(PointAccount, PointAccount.id == PointEntry.account_id)
            .where(PointEntry.activity_id.in_([a.id for a in chain]), PointEntry.kind == EntryKind.earn)
            .group_by(PointAccount.volunteer_id)).all())
    entries = []
    for volunteer_id in sorted(set(new_roster) | set(old_roster)):
        key = f"earn:{activity.id}:{volunteer_id}"
        if _entry_exists(activity.community_id, key):
            continue
        due = entitlement(version, activity, volunteer_id, new_roster.get(volunteer_id, 0))
        points = due - int(posted.get(volunteer_id) or 0)
        minutes = minutes_diff.get(volunteer_id, 0)
        if not points and not minutes:
            continue
        volunteer = db.session.get(Volunteer, volunteer_id)
        account = account_for(volunteer)
        memo = str(activity.title) if not chain else f"更正：{activity.title}"
        if points < 0:
            lock_row(PointAccount, account.id)
            db.session.refresh(account)
            taken = min(-points, account.balance)
            if taken < -points:
                memo = f"{memo}（余额不足，尚欠 {-points - taken} 分）"
            points = -taken
        if not _apply(account.id, points=points, minutes=minutes, earned=points):
            raise InsufficientPoints()
        if not points and not minutes:
            continue
        entry = _entry(account, EntryKind.earn, key=key, memo=memo, points=points, minutes=minutes,
                       activity_id=activity.id, rule_version_id=version.id, actor=actor)
        if points > 0:
            _open_lot(account, entry)
        elif points < 0:
            _consume(account.id, -points)
        entries.append(entry)
    db.session.flush()
    return entries


def _on_verified(activity, replaced=None, actor=None):
    award_for_activity(activity, replaced, actor=actor)


def connect_signals():
    """Seed each new community; award points for each verified activity."""
    signals.community_created.connect(seed_points, weak=False)
    signals.activity_verified.connect(_on_verified, weak=False)


# --- staff adjustments -----------------------------------------------------------------

def adjust(volunteer, points, *, reason, key, actor=None):
    """Add (positive) or take (negative) points with a reason; a repeated key posts once.

    :raises ValidationFailed: no reason, zero or too many points.
    :raises InsufficientPoints: taking more than the spendable balance.
    """
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ValidationFailed(_l("Give the reason, in at most 200 characters."))
    if not isinstance(points, int) or isinstance(points, bool) or not points or abs(points) > MAX_POINTS:
        raise ValidationFailed(_l("Give a whole number of points other than zero."))
    key = f"adjust:{key}"
    existing = db.session.scalar(sa.select(PointEntry).where(
        PointEntry.community_id == volunteer.community_id, PointEntry.idempotency_key == key))
    if existing is not None:
        return existing
    account = account_for(volunteer)
    if not _apply(account.id, points=points):
        raise InsufficientPoints()
    entry = _entry(account, EntryKind.adjust, key=key, memo=reason, points=points, actor=actor)
    if points > 0:
        _open_lot(account, entry)
    else:
        _consume(account.id, -points)
    record("points.adjust", "point_account", account.id, community=_community(volunteer.community_id),
           actor=actor, label=volunteer.name, after={"points": points, "reason": reason})
    return entry


# --- redemption ------------------------------------------------------------------------

def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text):
    """What a merchant typed (lower case, spaces, dashes) as a stored code."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:CODE_LENGTH * 2]


def format_code(code):
    return f"{code[:5]}-{code[5:]}" if code else ""


def redeemable_services(community_id):
    return db.session.scalars(
        sa.select(Service).join(Service.partner)
        .where(Service.community_id == community_id, Service.active.is_(True),
               Service.points_price.is_not(None), Partner.status == PartnerStatus.active)
        .order_by(Service.points_price, Partner.name, Service.name)).all()


def _month_of(moment):
    return moment.astimezone(local_zone()).strftime("%Y-%m")


def _take_quota(service, month):
    """Count one code against the service's monthly quota (True when it fits)."""
    if service.monthly_quota is None:
        return True
    db.session.execute(dialect_insert(QuotaUse).values(service_id=service.id, month=month, used=0)
                       .on_conflict_do_nothing(index_elements=["service_id", "month"]))
    result = db.session.execute(
        sa.update(QuotaUse).where(QuotaUse.service_id == service.id, QuotaUse.month == month,
                                  QuotaUse.used < service.monthly_quota)
        .values(used=QuotaUse.used + 1).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _give_back_quota(service_id, month):
    db.session.execute(
        sa.update(QuotaUse).where(QuotaUse.service_id == service_id, QuotaUse.month == month,
                                  QuotaUse.used > 0)
        .values(used=QuotaUse.used - 1).execution_options(synchronize_session=False))


def quota_left(service, month=None):
    if service.monthly_quota is None:
        return None
    used = db.session.scalar(sa.select(QuotaUse.used).where(
        QuotaUse.service_id == service.id, QuotaUse.month == (month or _month_of(utcnow())))) or 0
    return max(service.monthly_quota - used, 0)


def _redemption_snapshot(r):
    return {"state": r.state.value, "points": r.points, "service": r.service.name if r.service else None,
            "code": format_code(r.code), "on_behalf": r.on_behalf}


def redeem(volunteer, service, *, key, actor=None, on_behalf=False, now=None):
    """Hold the service's price and issue a single-use code (a repeated ``key`` returns
    the first code). Staff issuing it for a volunteer pass ``on_behalf=True``. ``now``
    (the issue time) is for the demo and tests.

    :raises NotRedeemable: the service is inactive, unpriced, its partner inactive, or of
        another community.
    :raises InsufficientPoints: the spendable balance does not cover the price.
    :raises QuotaExhausted: the service's monthly quota is used up.
    """
    if not key or len(key) > 64:
        raise ValidationFailed(_l("The form has expired: open it again."))
    existing = db.session.scalar(sa.select(Redemption).where(
        Redemption.community_id == volunteer.community_id, Redemption.idempotency_key == key))
    if existing is not None:
        return existing
    partner = db.session.get(Partner, service.partner_id)
    if service.community_id != volunteer.community_id or not service.active or not service.points_price \
            or partner.status != PartnerStatus.active:
        raise NotRedeemable()
    price = service.points_price
    account = account_for(volunteer)
    now = now or utcnow()
    month = _month_of(now)
    if not _apply(account.id, points=-price, held=price):
        raise InsufficientPoints(_l("Not enough points: %(price)s needed.", price=price))
    counted = service.monthly_quota is not None
    if not _take_quota(service, month):
        _apply(account.id, points=price, held=-price)  # undo: this request changes nothing
        raise QuotaExhausted()
    settings = settings_for(_community(volunteer.community_id))
    for _attempt in range(5):
        code = new_code()
        if db.session.scalar(sa.select(Redemption.id).where(Redemption.code == code)) is None:
            break
    redemption = Redemption(community_id=volunteer.community_id, account_id=account.id,
                            volunteer_id=volunteer.id, service_id=service.id, partner_id=service.partner_id,
                            points=price, code=code, state=RedemptionState.held, on_behalf=on_behalf,
                            quota_month=month, quota_counted=counted, idempotency_key=key,
                            created_by_id=_actor_id(actor), created_at=now,
                            hold_until=now + timedelta(days=settings.hold_days))
    db.session.add(redemption)
    db.session.flush()
    _entry(account, EntryKind.hold, key=f"hold:{redemption.id}", points=-price, held=price,
           memo=f"{partner.name} · {service.name}" + ("（工作人员代兑）" if on_behalf else ""),
           redemption_id=redemption.id, actor=actor)
    _consume(account.id, price, redemption_id=redemption.id)
    record("points.redemption.hold", "point_redemption", redemption.id,
           community=_community(volunteer.community_id), actor=actor, label=volunteer.name,
           after=_redemption_snapshot(redemption))
    return redemption


#: action -> (states it may start from, state it leads to)
REDEMPTION_TRANSITIONS = {
    "redeem": ({RedemptionState.held}, RedemptionState.redeemed),
    "cancel": ({RedemptionState.held}, RedemptionState.cancelled),
    "expire": ({RedemptionState.held}, RedemptionState.expired),
}


def _redemption_refused(redemption, action):
    if action not in REDEMPTION_TRANSITIONS:
        return None
    if action == "expire" and redemption.state == RedemptionState.held:
        return _l("The hold has not run out yet.")
    return _l("This code is %(state)s.", state=REDEMPTION_STATE_NAMES[redemption.state])


REDEMPTION_FLOW = Workflow(Redemption, REDEMPTION_TRANSITIONS, audit_prefix="points.redemption",
                           object_type="point_redemption", refused=_redemption_refused)


def transition_redemption(redemption, action, *, actor=None, now=None):
    """Move a redemption one step: ``redeem`` (the merchant confirms: the held points are
    spent), ``cancel`` or ``expire`` (the held points return to the lots they came from,
    and the quota place is given back). One conditional UPDATE on the state decides
    which of two concurrent steps wins.

    :raises IllegalRedemptionTransition: the step is not allowed from the current state,
        or the hold has not run out yet (``expire``); nothing changes.
    """
    now = now or utcnow()
    # The audit event follows the ledger entries below (audit=False here).
    REDEMPTION_FLOW.step(redemption, action, values={"closed_at": now, "closed_by_id": _actor_id(actor)},
                         where=[Redemption.hold_until <= now] if action == "expire" else [],
                         audit=False)
    account = db.session.get(PointAccount, redemption.account_id)
    label = f"{redemption.partner.name} · {redemption.service.name}"
    if action == "redeem":
        if not _apply(account.id, held=-redemption.points):
            raise InsufficientPoints()
        _entry(account, EntryKind.redeem, key=f"redeem:{redemption.id}", held=-redemption.points,
               memo=label, redemption_id=redemption.id, actor=actor)
    else:
        if not _apply(account.id, points=redemption.points, held=-redemption.points):
            raise InsufficientPoints()
        memo = f"{'取消' if action == 'cancel' else '逾期退回'}：{label}"
        _entry(account, EntryKind.release, key=f"release:{redemption.id}", points=redemption.points,
               held=-redemption.points, memo=memo, redemption_id=redemption.id, actor=actor)
        for use in db.session.scalars(sa.select(LotUse).where(LotUse.redemption_id == redemption.id)):
            db.session.execute(sa.update(PointLot).where(PointLot.id == use.lot_id)
                               .values(remaining=PointLot.remaining + use.points)
                               .execution_options(synchronize_session=False))
        if redemption.quota_counted:
            _give_back_quota(redemption.service_id, redemption.quota_month)
    db.session.flush()
    before = {**_redemption_snapshot(redemption), "state": RedemptionState.held.value}
    record(f"points.redemption.{action}", "point_redemption", redemption.id,
           community=_community(redemption.community_id), actor=actor, label=redemption.volunteer.name,
           before=before, after=_redemption_snapshot(redemption))
    return redemption


def merchant_partner_ids(user, community_id):
    return set(db.session.scalars(sa.select(PartnerContact.partner_id).where(
        PartnerContact.community_id == community_id, PartnerContact.user_id == user.id)))


def confirm_code(user, community_id, typed, *, actor=None):
    """The merchant confirms a code of one of their own services.

    :raises UnknownCode: no open code of their partners matches.
    """
    code = normalise_code(typed)
    partner_ids = merchant_partner_ids(user, community_id)
    redemption = db.session.scalar(sa.select(Redemption).where(
        Redemption.community_id == community_id, Redemption.code == code,
        Redemption.partner_id.in_(partner_ids or {0})))
    if redemption is None:
        raise UnknownCode()
    if redemption.state != RedemptionState.held:
        raise UnknownCode(_l("This code is %(state)s.", state=REDEMPTION_STATE_NAMES[redemption.state]))
    return transition_redemption(redemption, "redeem", actor=actor or user)


# --- expiry ----------------------------------------------------------------------------

@dataclass
class ExpiryRun:
    holds_released: int = 0
    accounts: int = 0
    points: int = 0


def expire_holds(community, *, now=None):
    """Release every code whose hold has run out; returns how many."""
    now = now or utcnow()
    count = 0
    for redemption in db.session.scalars(sa.select(Redemption).where(
            Redemption.community_id == community.id, Redemption.state == RedemptionState.held,
            Redemption.hold_until <= now).order_by(Redemption.id)).all():
        try:
            transition_redemption(redemption, "expire", now=now)
            count += 1
        except IllegalRedemptionTransition:  # confirmed or cancelled meanwhile
            continue
    return count


def expire_points(community, *, now=None):
    """Take the points of lots past their expiry date, oldest first, one expire entry per
    account. Returns ``(accounts, points)``."""
    now = now or utcnow()
    account_ids = db.session.scalars(
        sa.select(PointLot.account_id).join(PointAccount, PointAccount.id == PointLot.account_id)
        .where(PointAccount.community_id == community.id, PointLot.expires_at <= now, PointLot.remaining > 0)
        .distinct()).all()
    total = 0
    for account_id in sorted(account_ids):
        lock_row(PointAccount, account_id)
        lots = [lot for lot in _open_lots(account_id) if lot.expires_at is not None and lot.expires_at <= now]
        points = sum(lot.remaining for lot in lots)
        if not points:
            continue
        if not _apply(account_id, points=-points):
            raise InsufficientPoints(_l("The points lots do not cover the balance; run verify-points."))
        for lot in lots:
            lot.remaining = 0
        account = db.session.get(PointAccount, account_id)
        first = min(lot.earned_at for lot in lots).astimezone(local_zone()).date()
        _entry(account, EntryKind.expire, key=f"expire:{uuid.uuid4().hex}", points=-points,
               memo=f"积分过期（{first.isoformat()} 起获得的积分）")
        total += points
    if account_ids:
        record("points.expire", "point_settings", None, community=community,
               after={"accounts": len(account_ids), "points": total})
    db.session.flush()
    return len(account_ids), total


def run_expiry(community, *, now=None):
    """Release run-out holds, then expire old points (the ``points expire`` command)."""
    holds = expire_holds(community, now=now)
    accounts, points = expire_points(community, now=now)
    return ExpiryRun(holds_released=holds, accounts=accounts, points=points)


def expiring_soon_query(community, *, days=30, now=None):
    """Volunteers with points expiring within ``days``: (account, volunteer, points, first date)."""
    now = now or utcnow()
    return (sa.select(PointAccount, Volunteer, sa.func.sum(PointLot.remaining).label("points"),
                      sa.func.min(PointLot.expires_at).label("first"))
            .join(PointLot, PointLot.account_id == PointAccount.id)
            .join(Volunteer, Volunteer.id == PointAccount.volunteer_id)
            .where(PointAccount.community_id == community.id, PointLot.remaining > 0,
                   PointLot.expires_at.is_not(None), PointLot.expires_at > now,
                   PointLot.expires_at <= now + timedelta(days=days))
            .group_by(PointAccount.id, Volunteer.id)
            .order_by(sa.func.min(PointLot.expires_at), PointAccount.id))


# --- verification ----------------------------------------------------------------------

@dataclass
class Disagreement:
    volunteer_id: int
    volunteer: str
    field: str
    stored: int
    computed: int


def verify_points(community):
    """Recompute every account of ``community`` from its entries (and the spendable
    balance from the lots); the disagreements found, empty when all agree."""
    sums = {row.account_id: row for row in db.session.execute(
        sa.select(PointEntry.account_id, sa.func.sum(PointEntry.points).label("points"),
                  sa.func.sum(PointEntry.held).label("held"),
                  sa.func.sum(PointEntry.minutes).label("minutes"),
                  sa.func.sum(sa.case((PointEntry.kind == EntryKind.earn, PointEntry.points), else_=0))
                  .label("earned"))
        .where(PointEntry.community_id == community.id).group_by(PointEntry.account_id))}
    lots = dict(db.session.execute(
        sa.select(PointLot.account_id, sa.func.sum(PointLot.remaining))
        .join(PointAccount, PointAccount.id == PointLot.account_id)
        .where(PointAccount.community_id == community.id).group_by(PointLot.account_id)).all())
    problems = []
    rows = db.session.execute(
        sa.select(PointAccount, Volunteer.name).join(Volunteer, Volunteer.id == PointAccount.volunteer_id)
        .where(PointAccount.community_id == community.id).order_by(PointAccount.id)
        .execution_options(populate_existing=True)).all()
    for account, name in rows:
        s = sums.get(account.id)
        computed = {"balance": int(s.points or 0) if s else 0, "held": int(s.held or 0) if s else 0,
                    "lifetime_minutes": int(s.minutes or 0) if s else 0,
                    "lifetime_points": int(s.earned or 0) if s else 0}
        for field, value in computed.items():
            stored = getattr(account, field)
            if stored != value:
                problems.append(Disagreement(account.volunteer_id, name, field, stored, value))
        lot_total = int(lots.get(account.id) or 0)
        if lot_total != computed["balance"]:
            problems.append(Disagreement(account.volunteer_id, name, "lots", lot_total, computed["balance"]))
    return problems


# --- reading ---------------------------------------------------------------------------

def history_query(account):
    return sa.select(PointEntry).where(PointEntry.account_id == account.id).order_by(PointEntry.id.desc())


def leaderboard_query(community):
    """Volunteers by honour hours (service, not spending power), most first (a tie: the
    newer account first); those who opted out are left off. The index
    ``ix_point_account_board`` gives this order, so a page reads only its own rows."""
    return (sa.select(PointAccount, Volunteer.name)
            .join(Volunteer, Volunteer.id == PointAccount.volunteer_id)
            .where(PointAccount.community_id == community.id, PointAccount.leaderboard_opt_out.is_(False),
                   PointAccount.lifetime_minutes > 0)
            .order_by(PointAccount.lifetime_minutes.desc(), PointAccount.id.desc()))


def set_opt_out(account, opt_out, *, actor=None):
    before = {"leaderboard_opt_out": account.leaderboard_opt_out}
    account.leaderboard_opt_out = bool(opt_out)
    db.session.flush()
    record("points.opt_out", "point_account", account.id, community=_community(account.community_id),
           actor=actor, before=before, after={"leaderboard_opt_out": account.leaderboard_opt_out})
    return account


def month_bounds(month):
    """``"2026-03"`` -> the local month as a UTC half-open range.

    :raises ValidationFailed: not a month."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except (TypeError, ValueError):
        raise ValidationFailed(_l("Give a month as 2026-03.")) from None
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    tz = local_zone()
    return (datetime.combine(first, datetime.min.time(), tzinfo=tz).astimezone(timezone.utc),
            datetime.combine(nxt, datetime.min.time(), tzinfo=tz).astimezone(timezone.utc))


def this_month():
    return local_today().strftime("%Y-%m")


def settlement(partner_ids, month):
    """Codes of the partners' services fulfilled in ``month`` (local), oldest first, and
    the points by service."""
    start, end = month_bounds(month)
    rows = db.session.scalars(sa.select(Redemption).where(
        Redemption.partner_id.in_(partner_ids or {0}), Redemption.state == RedemptionState.redeemed,
        Redemption.closed_at >= start, Redemption.closed_at < end).order_by(Redemption.closed_at)).all()
    by_service = {}
    for r in rows:
        name = r.service.name
        count, points = by_service.get(name, (0, 0))
        by_service[name] = (count + 1, points + r.points)
    return rows, by_service
