"""Volunteer points (积分): versioned rules, an append-only ledger, accounts, earning lots,
redemptions with partner services, monthly quota counters and service certificates.

Ledger. :class:`PointEntry` rows are never updated or deleted (database triggers refuse
it). Each entry states its effect on the volunteer's account in three integer columns:
``points`` (spendable balance), ``held`` (points on hold for an issued code) and
``minutes`` (honour minutes, lifetime service). By kind:

========  =========  ======  =======================================================
kind      points     held    meaning
========  =========  ======  =======================================================
earn      +n (or -n) 0       verified service; a negative one corrects an amendment
hold      -n         +n      a redemption code was issued
redeem    0          -n      the merchant confirmed the code: the points are spent
release   +n         -n      the code was cancelled or its hold ran out
expire    -n         0       points older than the community's expiry period
adjust    ±n         0       a staff correction, always with a reason
========  =========  ======  =======================================================

:class:`PointAccount` keeps the sums (balance, held, lifetime earned, lifetime minutes)
in the same transaction as each entry, changed only by conditional UPDATEs and guarded by
CHECK constraints, so a balance never goes below zero on either database; ``verify-points``
recomputes them from the entries.

Lots. Every positive earning or adjustment opens a :class:`PointLot` with ``remaining``
points; spending (hold, expire, negative corrections) consumes lots oldest first, and a
:class:`LotUse` row remembers what a hold took from which lot, so a released hold gives
back exactly what it took. Expiry (optional per community) takes the remaining points of
lots older than the expiry period. The spendable balance always equals the sum of the
lots' remaining points.
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charity.extensions import db
from charity.models_base import BigId, UTCDateTime, enum_type, utcnow

#: Default star levels: honour hours needed for 1★ … 5★.
DEFAULT_LEVEL_HOURS = "20,100,300,600,1000"
#: Default points per hour of verified service, for every activity kind.
DEFAULT_POINTS_PER_HOUR = 10


class PointSettings(db.Model):
    """Per-community settings of the points scheme and of the service certificate."""

    __tablename__ = "point_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              unique=True)
    #: Days an issued code holds the points before they return to the volunteer.
    hold_days: Mapped[int] = mapped_column(default=14)
    #: Points expire this many months after they were earned; None: they never expire.
    expiry_months: Mapped[int | None] = mapped_column()
    #: Honour hours for 1★, 2★ … as comma-separated ascending whole numbers.
    level_hours: Mapped[str] = mapped_column(sa.String(100), default=DEFAULT_LEVEL_HOURS)
    #: The organisation that records service and issues certificates (记录单位).
    issuing_org: Mapped[str] = mapped_column(sa.String(120), default="")
    #: Its person in charge (负责人).
    person_in_charge: Mapped[str] = mapped_column(sa.String(40), default="")
    #: Who handles certificates (经办人).
    handler: Mapped[str] = mapped_column(sa.String(40), default="")
    #: Contact telephone printed on certificates (an office line, not personal data).
    contact_phone: Mapped[str] = mapped_column(sa.String(30), default="")

    __table_args__ = (
        sa.CheckConstraint("hold_days BETWEEN 1 AND 90", name="hold_days_range"),
        sa.CheckConstraint("expiry_months IS NULL OR expiry_months BETWEEN 1 AND 120",
                           name="expiry_months_range"),
    )

    @property
    def thresholds(self):
        """``[20, 100, 300, 600, 1000]``: honour hours per star."""
        return [int(h) for h in (self.level_hours or DEFAULT_LEVEL_HOURS).split(",") if h]


class PointRuleVersion(db.Model):
    """One version of a community's earning rules. Rows are never changed (triggers refuse
    it): a change is a new version with a later ``effective_from``. An activity earns by
    the version in force when it was verified; its amendments by the same version."""

    __tablename__ = "point_rule_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    #: 1, 2, 3… per community.
    number: Mapped[int]
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime())
    #: ``{activity kind: points per hour}`` (whole points), one key per ActivityKind.
    rates: Mapped[dict] = mapped_column(sa.JSON())
    #: The most points one person earns for one activity (before the bonus); None: no cap.
    cap_per_activity: Mapped[int | None] = mapped_column()
    #: Extra points per activity for a team's organiser or leader on the roster.
    organiser_bonus: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by = relationship("User")

    __table_args__ = (
        sa.UniqueConstraint("community_id", "number"),
        sa.Index("ix_point_rule_version_community_from", "community_id", "effective_from"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.CheckConstraint("cap_per_activity IS NULL OR cap_per_activity > 0", name="cap_positive"),
        sa.CheckConstraint("organiser_bonus >= 0", name="bonus_not_negative"),
    )


class PointAccount(db.Model):
    """A volunteer's points: maintained sums of their entries (see the module doc)."""

    __tablename__ = "point_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteer.id", ondelete="RESTRICT"),
                                              unique=True)
    #: Spendable points.
    balance: Mapped[int] = mapped_column(default=0)
    #: Points on hold for issued, not yet fulfilled codes.
    held: Mapped[int] = mapped_column(default=0)
    #: Sum of earn entries (corrections included): never falls when points are spent.
    lifetime_points: Mapped[int] = mapped_column(default=0)
    #: Honour minutes: verified service, lifetime. Never falls when points are spent.
    lifetime_minutes: Mapped[int] = mapped_column(default=0)
    #: The volunteer asked not to be shown on the leaderboard.
    leaderboard_opt_out: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    volunteer = relationship("Volunteer")

    __table_args__ = (
        sa.CheckConstraint("balance >= 0", name="balance_not_negative"),
        sa.CheckConstraint("held >= 0", name="held_not_negative"),
        sa.CheckConstraint("lifetime_minutes >= 0", name="minutes_not_negative"),
        # The leaderboard: ranked by honour minutes inside one community.
        sa.Index("ix_point_account_board", "community_id", "leaderboard_opt_out", "lifetime_minutes", "id"),
    )


class EntryKind(enum.StrEnum):
    earn = "earn"
    hold = "hold"
    redeem = "redeem"
    release = "release"
    expire = "expire"
    adjust = "adjust"


class PointEntry(db.Model):
    """One posting on a volunteer's account. Append-only (triggers refuse UPDATE/DELETE)."""

    __tablename__ = "point_entry"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("point_account.id", ondelete="RESTRICT"))
    kind: Mapped[EntryKind] = mapped_column(enum_type(EntryKind, "point_entry_kind"))
    #: Change of the spendable balance.
    points: Mapped[int] = mapped_column(default=0)
    #: Change of the points on hold.
    held: Mapped[int] = mapped_column(default=0)
    #: Change of the honour minutes (earn entries only).
    minutes: Mapped[int] = mapped_column(default=0)
    #: Why: the activity's title, the service redeemed, a staff adjustment's reason.
    memo: Mapped[str] = mapped_column(sa.String(200))
    #: The verified activity (or amendment) that earned it.
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id", ondelete="RESTRICT"),
                                                    index=True)
    rule_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("point_rule_version.id", ondelete="RESTRICT"))
    redemption_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("point_redemption.id", ondelete="RESTRICT"), index=True)
    #: Exactly once: ``earn:<activity>:<volunteer>``, ``hold:<form key>``… unique per community.
    idempotency_key: Mapped[str] = mapped_column(sa.String(80))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    activity = relationship("Activity")
    created_by = relationship("User")

    __table_args__ = (
        sa.UniqueConstraint("community_id", "idempotency_key"),
        # A volunteer's history, newest first, paged in the database.
        sa.Index("ix_point_entry_account_id", "account_id", "id"),
        sa.CheckConstraint("points <> 0 OR held <> 0 OR minutes <> 0", name="changes_something"),
        sa.CheckConstraint(
            "(kind = 'earn' AND held = 0)"
            " OR (kind = 'hold' AND points < 0 AND held = -points AND minutes = 0)"
            " OR (kind = 'redeem' AND points = 0 AND held < 0 AND minutes = 0)"
            " OR (kind = 'release' AND points > 0 AND held = -points AND minutes = 0)"
            " OR (kind = 'expire' AND points < 0 AND held = 0 AND minutes = 0)"
            " OR (kind = 'adjust' AND held = 0 AND minutes = 0)",
            name="kind_shape"),
    )


class PointLot(db.Model):
    """Points from one earning or positive adjustment, consumed oldest first."""

    __tablename__ = "point_lot"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("point_account.id", ondelete="RESTRICT"))
    entry_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("point_entry.id", ondelete="RESTRICT"),
                                          unique=True)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When what remains expires; None when the community's points do not expire.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    points: Mapped[int]
    remaining: Mapped[int]

    __table_args__ = (
        sa.CheckConstraint("points > 0", name="points_positive"),
        sa.CheckConstraint("remaining >= 0 AND remaining <= points", name="remaining_range"),
        sa.Index("ix_point_lot_account_open", "account_id", "remaining", "earned_at"),
        sa.Index("ix_point_lot_expiry", "expires_at", "remaining"),
    )


class LotUse(db.Model):
    """What a hold took from one lot, so a release returns exactly that."""

    __tablename__ = "point_lot_use"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    redemption_id: Mapped[int] = mapped_column(
        sa.ForeignKey("point_redemption.id", ondelete="RESTRICT"), index=True)
    lot_id: Mapped[int] = mapped_column(BigId, sa.ForeignKey("point_lot.id", ondelete="RESTRICT"))
    points: Mapped[int]

    __table_args__ = (sa.CheckConstraint("points > 0", name="points_positive"),)


class RedemptionState(enum.StrEnum):
    held = "held"
    redeemed = "redeemed"
    cancelled = "cancelled"
    expired = "expired"


class Redemption(db.Model):
    """A volunteer's code for one partner service, paid in points.

    held → redeemed (the merchant confirms the code), held → cancelled (the volunteer or
    staff), held → expired (the hold ran out); see
    :func:`charity.points.redemptions.transition_redemption`.
    """

    __tablename__ = "point_redemption"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("point_account.id", ondelete="RESTRICT"),
                                            index=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteer.id", ondelete="RESTRICT"))
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("service.id", ondelete="RESTRICT"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="RESTRICT"))
    #: The price paid, as it was when the code was issued.
    points: Mapped[int]
    #: Single-use code: 10 characters of an alphabet without look-alikes (no 0/O, 1/I/L).
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    state: Mapped[RedemptionState] = mapped_column(enum_type(RedemptionState, "redemption_state"),
                                                   default=RedemptionState.held)
    #: Staff issued it for a volunteer without a phone (recorded as such).
    on_behalf: Mapped[bool] = mapped_column(default=False)
    #: The quota month the code counts in (local month of issue).
    quota_month: Mapped[str] = mapped_column(sa.String(7))
    #: The code took a place of the service's monthly quota (given back on release).
    quota_counted: Mapped[bool] = mapped_column(default=False)
    #: The form's key: a double click issues one code.
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hold_until: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"))

    volunteer = relationship("Volunteer")
    service = relationship("Service")
    partner = relationship("Partner")
    created_by = relationship("User", foreign_keys=[created_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])

    __table_args__ = (
        sa.UniqueConstraint("community_id", "idempotency_key"),
        sa.Index("ix_point_redemption_partner_state", "partner_id", "state", "created_at"),
        sa.Index("ix_point_redemption_hold", "state", "hold_until"),
        sa.CheckConstraint("points > 0", name="points_positive"),
        sa.CheckConstraint("(state = 'held') = (closed_at IS NULL)", name="closed_when_not_held"),
    )


class QuotaUse(db.Model):
    """Codes of one service counted in one month, against ``Service.monthly_quota``."""

    __tablename__ = "point_quota_use"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("service.id", ondelete="RESTRICT"))
    #: ``2026-03``, the local month.
    month: Mapped[str] = mapped_column(sa.String(7))
    used: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.UniqueConstraint("service_id", "month"),
        sa.CheckConstraint("used >= 0", name="used_not_negative"),
    )


class IdType(enum.StrEnum):
    """Identity documents named by the 2021 measures' forms."""

    resident_id = "resident_id"
    hk_macao = "hk_macao"
    taiwan = "taiwan"
    passport = "passport"
    foreign_permit = "foreign_permit"


class Commendation(db.Model):
    """A training course completed or a commendation received, for the certificate."""

    __tablename__ = "volunteer_commendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteer.id", ondelete="RESTRICT"),
                                              index=True)
    #: "training" or "commendation".
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(120))
    awarded_on: Mapped[date] = mapped_column(sa.Date)
    #: Who trained or commended (an organisation).
    issuer: Mapped[str] = mapped_column(sa.String(120), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.CheckConstraint("kind IN ('training', 'commendation')", name="kind_known"),)


class Certificate(db.Model):
    """A registered volunteer service record certificate (志愿服务记录证明).

    ``snapshot`` is what was printed, so a reprint or a check later shows the same."""

    __tablename__ = "service_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteer.id", ondelete="RESTRICT"),
                                              index=True)
    #: ``ZM2026-00001-K7QF``: year, sequence per community and year, 4 random check characters.
    number: Mapped[str] = mapped_column(sa.String(24), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    minutes: Mapped[int]
    issued_on: Mapped[date] = mapped_column(sa.Date)
    snapshot: Mapped[dict] = mapped_column(sa.JSON())
    issued_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    volunteer = relationship("Volunteer")

    __table_args__ = (
        sa.UniqueConstraint("community_id", "year", "seq"),
        sa.CheckConstraint("minutes >= 0", name="minutes_not_negative"),
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
    )
