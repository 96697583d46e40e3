"""The project pool (认领项目), activities a team logs against its projects, their
attendance rosters, beneficiaries served and evidence files.

An activity, once verified, is locked. A correction is an *amendment*: a new
:class:`Activity` whose ``amends_id`` points to the verified one; when staff verify the
amendment, the original becomes ``superseded``. Both stay, with their rosters, so the
difference in minutes per volunteer can always be derived (see
:func:`charity.projects.services.roster_difference`).
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charity.extensions import db
from charity.models_base import UTCDateTime, enum_type, utcnow
from charity.teams.models import BeneficiaryGroup, groups_column


class ProjectState(enum.StrEnum):
    published = "published"
    claimed = "claimed"
    active = "active"
    completed = "completed"
    cancelled = "cancelled"


class ActivityState(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    verified = "verified"
    #: A verified activity whose amendment has been verified in its place.
    superseded = "superseded"


class ActivityKind(enum.StrEnum):
    visit = "visit"
    class_ = "class"
    reading = "reading"
    workshop = "workshop"
    repair = "repair"
    haircut = "haircut"
    charity_sale = "charity_sale"
    training = "training"
    other = "other"


class Project(db.Model):
    """A project in the community's pool, which one team may claim and run."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    target_groups: Mapped[str] = groups_column()
    expected_activities: Mapped[int] = mapped_column(default=0)
    state: Mapped[ProjectState] = mapped_column(enum_type(ProjectState, "project_state"),
                                                default=ProjectState.published)
    #: The team that claimed (or runs) the project; None while it is in the pool.
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id", ondelete="RESTRICT"),
                                                index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The need on the needs list this project answers, if any.
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("need.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    team = relationship("Team")
    need = relationship("Need")
    #: Partners' services the project draws on.
    services = relationship("Service", secondary="project_service", order_by="Service.name")

    __table_args__ = (
        sa.CheckConstraint("expected_activities >= 0", name="expected_activities_non_negative"),
        sa.CheckConstraint("state = 'published' OR state = 'cancelled' OR team_id IS NOT NULL",
                           name="claimed_has_team"),
    )

    @property
    def group_list(self):
        return [BeneficiaryGroup(g) for g in (self.target_groups or "").split(",") if g]


class ProjectService(db.Model):
    """A partner's service a project draws on."""

    __tablename__ = "project_service"

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"),
                                            primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("service.id", ondelete="RESTRICT"),
                                            primary_key=True, index=True)


class Activity(db.Model):
    """One event a team ran for a project, as its leader logged it."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="RESTRICT"),
                                            index=True)
    #: The project's team when the activity was logged (kept for scoping and counts).
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("team.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[ActivityKind] = mapped_column(enum_type(ActivityKind, "activity_kind"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(sa.String(120), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[ActivityState] = mapped_column(enum_type(ActivityState, "activity_state"),
                                                 default=ActivityState.draft)
    #: Why staff returned it (the latest return), shown to the leader.
    return_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    #: The verified activity this one corrects, for an amendment.
    amends_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activity.id", ondelete="RESTRICT"),
                                                  index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship()
    team = relationship("Team")
    amends = relationship("Activity", remote_side=[id])
    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="activity", order_by="Attendance.id", cascade="all, delete-orphan")
    beneficiaries: Mapped[list["ActivityBeneficiary"]] = relationship(
        back_populates="activity", order_by="ActivityBeneficiary.id", cascade="all, delete-orphan")
    evidence: Mapped[list["Evidence"]] = relationship(
        back_populates="activity", order_by="Evidence.id")

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_activity_community_state_start", "community_id", "state", "starts_at"),
    )

    @property
    def editable(self):
        return self.state in (ActivityState.draft, ActivityState.returned)

    @property
    def total_minutes(self):
        return sum(a.minutes for a in self.attendance)

    @property
    def total_beneficiaries(self):
        return sum(b.count for b in self.beneficiaries)


class Attendance(db.Model):
    """A volunteer on an activity's roster, with the minutes they served (quarter hours)."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"),
                                             index=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteer.id", ondelete="RESTRICT"),
                                              index=True)
    #: Minutes served: a positive multiple of 15, at most a day.
    minutes: Mapped[int]

    activity: Mapped[Activity] = relationship(back_populates="attendance")
    volunteer = relationship("Volunteer")

    __table_args__ = (
        sa.UniqueConstraint("activity_id", "volunteer_id"),
        sa.CheckConstraint("minutes > 0 AND minutes <= 1440 AND minutes % 15 = 0",
                           name="minutes_quarter_hours"),
    )


class ActivityBeneficiary(db.Model):
    """How many people of one group an activity served."""

    __tablename__ = "activity_beneficiary"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="CASCADE"),
                                             index=True)
    group: Mapped[BeneficiaryGroup] = mapped_column(enum_type(BeneficiaryGroup, "beneficiary_group"))
    count: Mapped[int]

    activity: Mapped[Activity] = relationship(back_populates="beneficiaries")

    __table_args__ = (
        sa.UniqueConstraint("activity_id", "group"),
        sa.CheckConstraint("count > 0", name="count_positive"),
    )


class Evidence(db.Model):
    """A photo or a scanned sign-in sheet of an activity, kept under
    ``instance/uploads/`` with a random name and served only through an access check."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activity.id", ondelete="RESTRICT"),
                                             index=True)
    #: Random file name under the uploads folder (an amendment shares its original's files).
    stored_name: Mapped[str] = mapped_column(sa.String(64))
    #: The name the file had on the uploader's device, cleaned, for display only.
    original_name: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="evidence")

    __table_args__ = (
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'application/pdf')",
                           name="content_type_allowed"),
    )

    @property
    def is_image(self):
        return self.content_type.startswith("image/")
