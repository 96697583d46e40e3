"""Redemption: a volunteer spends points on a partner's service through a single-use code
that holds the points until the merchant confirms it, it is cancelled or its hold runs out;
and the merchant's monthly settlement."""

import secrets
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.audit.services import record
from charity.dbutil import dialect_insert
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.models_base import local_today, local_zone, utcnow
from charity.partners.models import Partner, PartnerContact, PartnerStatus, Service
from charity.points.errors import InsufficientPoints, NotRedeemable, QuotaExhausted, UnknownCode
from charity.points.labels import REDEMPTION_STATE_NAMES
from charity.points.ledger import account_for, add_entry, apply_change, consume
from charity.points.models import (
    EntryKind,
    LotUse,
    PointAccount,
    PointLot,
    QuotaUse,
    Redemption,
    RedemptionState,
)
from charity.points.rules import settings_for
from charity.statemachine import Workflow
from charity.teams.services import actor_id, community_of

#: Redemption codes: no 0/O, 1/I/L, so they can be read out and typed without mistakes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


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
    if not apply_change(account.id, points=-price, held=price):
        raise InsufficientPoints(_l("Not enough points: %(price)s needed.", price=price))
    counted = service.monthly_quota is not None
    if not _take_quota(service, month):
        apply_change(account.id, points=price, held=-price)  # undo: this request changes nothing
        raise QuotaExhausted()
    settings = settings_for(community_of(volunteer))
    for _attempt in range(5):
        code = new_code()
        if db.session.scalar(sa.select(Redemption.id).where(Redemption.code == code)) is None:
            break
    redemption = Redemption(community_id=volunteer.community_id, account_id=account.id,
                            volunteer_id=volunteer.id, service_id=service.id, partner_id=service.partner_id,
                            points=price, code=code, state=RedemptionState.held, on_behalf=on_behalf,
                            quota_month=month, quota_counted=counted, idempotency_key=key,
                            created_by_id=actor_id(actor), created_at=now,
                            hold_until=now + timedelta(days=settings.hold_days))
    db.session.add(redemption)
    db.session.flush()
    add_entry(account, EntryKind.hold, key=f"hold:{redemption.id}", points=-price, held=price,
           memo=f"{partner.name} · {service.name}" + ("（工作人员代兑）" if on_behalf else ""),
           redemption_id=redemption.id, actor=actor)
    consume(account.id, price, redemption_id=redemption.id)
    record("points.redemption.hold", "point_redemption", redemption.id,
           community=community_of(volunteer), actor=actor, label=volunteer.name,
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
    REDEMPTION_FLOW.step(redemption, action, values={"closed_at": now, "closed_by_id": actor_id(actor)},
                         where=[Redemption.hold_until <= now] if action == "expire" else [],
                         audit=False)
    account = db.session.get(PointAccount, redemption.account_id)
    label = f"{redemption.partner.name} · {redemption.service.name}"
    if action == "redeem":
        if not apply_change(account.id, held=-redemption.points):
            raise InsufficientPoints()
        add_entry(account, EntryKind.redeem, key=f"redeem:{redemption.id}", held=-redemption.points,
               memo=label, redemption_id=redemption.id, actor=actor)
    else:
        if not apply_change(account.id, points=redemption.points, held=-redemption.points):
            raise InsufficientPoints()
        memo = f"{'取消' if action == 'cancel' else '逾期退回'}：{label}"
        add_entry(account, EntryKind.release, key=f"release:{redemption.id}", points=redemption.points,
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
           community=community_of(redemption), actor=actor, label=redemption.volunteer.name,
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


# --- merchant settlement ---------------------------------------------------------------


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
