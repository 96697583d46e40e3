"""Expiry: run-out holds are released and points past their expiry date are taken."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.audit.services import record
from charity.dbutil import lock_row
from charity.extensions import db
from charity.models_base import local_zone, utcnow
from charity.points.errors import IllegalRedemptionTransition, InsufficientPoints
from charity.points.ledger import add_entry, apply_change, open_lots
from charity.points.models import EntryKind, PointAccount, PointLot, Redemption, RedemptionState
from charity.points.redemptions import transition_redemption
from charity.teams.models import Volunteer

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
        lots = [lot for lot in open_lots(account_id) if lot.expires_at is not None and lot.expires_at <= now]
        points = sum(lot.remaining for lot in lots)
        if not points:
            continue
        if not apply_change(account_id, points=-points):
            raise InsufficientPoints(_l("The points lots do not cover the balance; run verify-points."))
        for lot in lots:
            lot.remaining = 0
        account = db.session.get(PointAccount, account_id)
        first = min(lot.earned_at for lot in lots).astimezone(local_zone()).date()
        add_entry(account, EntryKind.expire, key=f"expire:{uuid.uuid4().hex}", points=-points,
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
