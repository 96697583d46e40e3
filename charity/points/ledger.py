"""The points ledger: accounts and the one way points enter, move on, or leave them.

Every change of an account goes through :func:`apply_change`, one conditional UPDATE
(``… WHERE balance + :points >= 0 AND held + :held >= 0``) that also takes the account's
row lock (PostgreSQL) or the write lock (SQLite), followed by the entry in the same
transaction. So the balance never goes below zero, also under concurrent requests, and
lots are read and consumed only by the transaction holding that lock. Services flush;
the caller commits. A refused request raises a named :mod:`charity.points.errors` error
before anything is written, or undoes what it did (quota counter) before raising.

Staff adjustments, the check of every account against its entries (``verify-points``) and
the account's history and the leaderboard live here too.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.audit.services import record
from charity.dbutil import dialect_insert
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.models_base import utcnow
from charity.points.errors import InsufficientPoints
from charity.points.models import EntryKind, LotUse, PointAccount, PointEntry, PointLot, PointSettings
from charity.teams.models import Volunteer
from charity.teams.services import actor_id, community_of

#: Largest number of points one entry moves (far beyond any real scheme).
MAX_POINTS = 1_000_000


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


def apply_change(account_id, *, points=0, held=0, minutes=0, earned=0):
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


def add_entry(account, kind, *, key, memo, points=0, held=0, minutes=0, actor=None, **links):
    entry = PointEntry(community_id=account.community_id, account_id=account.id, kind=kind, points=points,
                       held=held, minutes=minutes, memo=memo[:200], idempotency_key=key,
                       created_by_id=actor_id(actor), **links)
    db.session.add(entry)
    db.session.flush()
    return entry


def entry_exists(community_id, key):
    return db.session.scalar(sa.select(PointEntry.id).where(
        PointEntry.community_id == community_id, PointEntry.idempotency_key == key)) is not None


def expiry_of(community_id, earned_at):
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


def open_lot(account, entry):
    db.session.add(PointLot(account_id=account.id, entry_id=entry.id, earned_at=entry.created_at,
                            expires_at=expiry_of(account.community_id, entry.created_at),
                            points=entry.points, remaining=entry.points))


def open_lots(account_id):
    return db.session.scalars(
        sa.select(PointLot).where(PointLot.account_id == account_id, PointLot.remaining > 0)
        .order_by(PointLot.earned_at, PointLot.id).execution_options(populate_existing=True)).all()


def consume(account_id, points, redemption_id=None):
    """Take ``points`` from the account's lots, oldest first (the caller holds the lock
    through :func:`apply_change`); record what a hold took, for its release."""
    left = points
    for lot in open_lots(account_id):
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
    if not apply_change(account.id, points=points):
        raise InsufficientPoints()
    entry = add_entry(account, EntryKind.adjust, key=key, memo=reason, points=points, actor=actor)
    if points > 0:
        open_lot(account, entry)
    else:
        consume(account.id, -points)
    record("points.adjust", "point_account", account.id, community=community_of(volunteer),
           actor=actor, label=volunteer.name, after={"points": points, "reason": reason})
    return entry


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
    record("points.opt_out", "point_account", account.id, community=community_of(account),
           actor=actor, before=before, after={"leaderboard_opt_out": account.leaderboard_opt_out})
    return account
