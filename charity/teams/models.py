"""Resident volunteers, self-governance teams (居民自治团队) and who serves in which team.

A volunteer's role in a team is kept as history (:class:`TeamRoleChange`), so the path
"from participant to organiser" stays visible after it happened.
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charity.extensions import db
from charity.models_base import UTCDateTime, enum_type, local_today, utcnow
from charity.partners.models import BeneficiaryGroup  # noqa: F401  (one list of groups, 一老一小一特殊一新)


class TeamRole(enum.StrEnum):
    member = "member"
    organiser = "organiser"
    leader = "leader"


def groups_column():
    """Beneficiary groups as a comma-separated list of codes (a handful at most)."""
    return mapped_column(sa.String(100), default="")


class Volunteer(db.Model):
    """A resident who serves. One record per phone number in a community."""

    __tablename__ = "volunteer"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(sa.String(80))
    #: Mainland mobile number, 11 digits; masked for roles that don't need it.
    phone: Mapped[str] = mapped_column(sa.String(20))
    #: Free tags such as 党员, 退休教师, 残障 (comma-separated).
    tags: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The day the resident agreed that their data may be kept; None means no consent yet.
    consent_on: Mapped[date | None] = mapped_column(sa.Date)
    #: The sign-in account of this resident, when they have one.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    #: Identity document type for the service certificate (see charity.points.models.IdType).
    id_type: Mapped[str | None] = mapped_column(sa.String(20))
    #: Identity document number; personal data, shown masked except to admins.
    id_number: Mapped[str | None] = mapped_column(sa.String(30))
    #: Volunteer number (志愿者编号) printed on certificates, unique in the community.
    volunteer_number: Mapped[str | None] = mapped_column(sa.String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user = relationship("User")
    memberships: Mapped[list["TeamMember"]] = relationship(back_populates="volunteer")

    __table_args__ = (
        sa.UniqueConstraint("community_id", "phone"),
        sa.UniqueConstraint("community_id", "user_id"),
        sa.UniqueConstraint("community_id", "volunteer_number"),
    )

    @property
    def tag_list(self):
        return [t for t in (self.tags or "").split(",") if t]


class Team(db.Model):
    """A resident self-governance team, such as 小暖芽亲子志愿者服务队."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: Beneficiary groups the team focuses on (codes of :class:`BeneficiaryGroup`).
    focus_groups: Mapped[str] = groups_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list["TeamMember"]] = relationship(
        back_populates="team", order_by="TeamMember.id")

    __table_args__ = (sa.UniqueConstraint("community_id", "name"),)

    @property
    def group_list(self):
        return [BeneficiaryGroup(g) for g in (self.focus_groups or "").split(",") if g]

    def current_members(self, on=None):
        on = on or local_today()
        return [m for m in self.members if m.joined_on <= on and (m.left_on is None or m.left_on > on)]


class TeamMember(db.Model):
    """A volunteer's place in a team: from the day they joined to the day they left."""

    __tablename__ = "team_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("team.id", ondelete="RESTRICT"), index=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteer.id", ondelete="RESTRICT"),
                                              index=True)
    role: Mapped[TeamRole] = mapped_column(enum_type(TeamRole, "team_role"))
    joined_on: Mapped[date] = mapped_column(sa.Date)
    #: The day the volunteer left; None while they serve.
    left_on: Mapped[date | None] = mapped_column(sa.Date)

    team: Mapped[Team] = relationship(back_populates="members")
    volunteer: Mapped[Volunteer] = relationship(back_populates="memberships")
    role_changes: Mapped[list["TeamRoleChange"]] = relationship(
        back_populates="member", order_by="TeamRoleChange.id")

    __table_args__ = (
        sa.UniqueConstraint("team_id", "volunteer_id"),
        sa.CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
    )

    @property
    def current(self):
        return self.left_on is None or self.left_on > local_today()


class TeamRoleChange(db.Model):
    """One step of a member's role history (the first row is the role they joined with)."""

    __tablename__ = "team_role_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("team_member.id", ondelete="RESTRICT"),
                                           index=True)
    #: None for the role the member joined with.
    from_role: Mapped[TeamRole | None] = mapped_column(enum_type(TeamRole, "from_role"))
    to_role: Mapped[TeamRole] = mapped_column(enum_type(TeamRole, "to_role"))
    changed_on: Mapped[date] = mapped_column(sa.Date)
    changed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    member: Mapped[TeamMember] = relationship(back_populates="role_changes")
