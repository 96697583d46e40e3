"""Partners, their services, the per-community service categories, the merchant link and
approved versions of the resource service list."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charity.extensions import db
from charity.models_base import UTCDateTime, enum_type, utcnow


class PartnerKind(enum.StrEnum):
    merchant = "merchant"
    courtyard = "courtyard"  # 院落微场景
    kindergarten = "kindergarten"
    social_org = "social_org"
    enterprise = "enterprise"
    other = "other"


class PartnerStatus(enum.StrEnum):
    active = "active"
    paused = "paused"
    left = "left"


class BeneficiaryGroup(enum.StrEnum):
    """一老一小一特殊, and Pinggang's 一新."""

    elderly = "elderly"
    children = "children"
    special = "special"
    new_employment = "new_employment"


class Partner(db.Model):
    """A resource partner (资源平台, the N of 1+N+X)."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[PartnerKind] = mapped_column(enum_type(PartnerKind, "partner_kind"))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_person: Mapped[str] = mapped_column(sa.String(80), default="")
    #: Mainland mobile or a landline; masked for roles that don't need it.
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    opening_hours: Mapped[str] = mapped_column(sa.String(200), default="")
    joined_on: Mapped[date | None] = mapped_column(sa.Date())
    status: Mapped[PartnerStatus] = mapped_column(enum_type(PartnerStatus, "partner_status"),
                                                  default=PartnerStatus.active)
    #: Signed the charity merchant partner plan (慈善商家合伙人); Dongyi has 11.
    is_charity_partner: Mapped[bool] = mapped_column(default=False)
    #: When the partner plan was signed; set exactly when ``is_charity_partner``.
    partner_signed_on: Mapped[date | None] = mapped_column(sa.Date())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    services: Mapped[list["Service"]] = relationship(back_populates="partner",
                                                     order_by="Service.id")

    __table_args__ = (
        sa.UniqueConstraint("community_id", "name"),
        sa.CheckConstraint("NOT is_charity_partner OR partner_signed_on IS NOT NULL",
                           name="partner_plan_signed_on"),
    )

    def __repr__(self):
        return f"<Partner {self.name}>"


class ServiceCategory(db.Model):
    """A category of service in one community's list (便民维修, 爱心义剪, ...)."""

    __tablename__ = "service_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    #: Order in lists and in the printed resource list.
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("community_id", "name"),)


class Service(db.Model):
    """A service a partner offers (精准服务, the X). Teams will offer services later."""

    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              index=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="RESTRICT"),
                                            index=True)
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("service_category.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text(), default="")
    #: Beneficiary groups served, as a comma-separated list of :class:`BeneficiaryGroup`
    #: values in their declared order (filterable with LIKE, identical on both databases).
    target_groups: Mapped[str] = mapped_column(sa.String(100), default="")
    #: When it is offered, in words ("每月第一个周六上午").
    schedule: Mapped[str] = mapped_column(sa.String(200), default="")
    #: How many times a month it can be given; None for no limit.
    monthly_quota: Mapped[int | None] = mapped_column()
    #: Price in volunteer points when redeemable; None when points are not accepted.
    points_price: Mapped[int | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    partner: Mapped[Partner] = relationship(back_populates="services")
    category: Mapped[ServiceCategory] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("partner_id", "name"),
        sa.CheckConstraint("monthly_quota IS NULL OR monthly_quota > 0", name="monthly_quota_positive"),
        sa.CheckConstraint("points_price IS NULL OR points_price > 0", name="points_price_positive"),
    )

    @property
    def groups(self):
        return [BeneficiaryGroup(v) for v in self.target_groups.split(",") if v]


class PartnerContact(db.Model):
    """A ``merchant`` user acting for a partner: they see only that partner's records."""

    __tablename__ = "partner_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              index=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partner.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="RESTRICT"),
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    partner: Mapped[Partner] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821

    #: One partner per merchant user in a community.
    __table_args__ = (sa.UniqueConstraint("community_id", "user_id"),)


class ResourceListVersion(db.Model):
    """A version of the resource service list approved at a council meeting.

    ``snapshot`` is exactly what was printed (partners, services, contacts in full), so
    the approved version never changes when a partner is edited later; phones are masked
    when it is printed for a viewer who must not see them.
    """

    __tablename__ = "resource_list_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              index=True)
    #: 1, 2, 3... per community.
    number: Mapped[int] = mapped_column()
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("council_meeting.id", ondelete="RESTRICT"), index=True)
    #: The meeting's date, printed as "经 …慈善联席会审议通过".
    approved_on: Mapped[date] = mapped_column(sa.Date())
    snapshot: Mapped[dict] = mapped_column(sa.JSON())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped["CouncilMeeting"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("community_id", "number"),
        sa.CheckConstraint("number > 0", name="number_positive"),
    )
