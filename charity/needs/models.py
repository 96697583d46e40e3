"""Needs of residents (需求清单) and council meetings (慈善联席会)."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charity.extensions import db
from charity.models_base import UTCDateTime, enum_type, utcnow
from charity.partners.models import BeneficiaryGroup


class NeedState(enum.StrEnum):
    open = "open"
    matched = "matched"
    in_service = "in_service"
    closed = "closed"
    declined = "declined"


class Urgency(enum.StrEnum):
    low = "low"
    normal = "normal"
    high = "high"


class NeedSource(enum.StrEnum):
    survey = "survey"  # 入户摸排
    suggestion = "suggestion"  # 居民建议
    hotline = "hotline"
    other = "other"


class CouncilMeeting(db.Model):
    """A meeting of the charity joint council. Its structured decisions (needs matched,
    a resource list version approved) point back here; ``decisions`` records the rest."""

    __tablename__ = "council_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              index=True)
    held_on: Mapped[date] = mapped_column(sa.Date())
    title: Mapped[str] = mapped_column(sa.String(200))
    agenda: Mapped[str] = mapped_column(sa.Text(), default="")
    minutes: Mapped[str] = mapped_column(sa.Text(), default="")
    decisions: Mapped[str] = mapped_column(sa.Text(), default="")
    #: Others present, in words (residents' representatives, guests).
    other_attendees: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attendees: Mapped[list["MeetingAttendee"]] = relationship(
        back_populates="meeting", order_by="MeetingAttendee.id", cascade="all, delete-orphan")


class MeetingAttendee(db.Model):
    """A council member (a user) or an invited partner present at a meeting."""

    __tablename__ = "meeting_attendee"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("council_meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    partner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner.id", ondelete="RESTRICT"), index=True)

    meeting: Mapped[CouncilMeeting] = relationship(back_populates="attendees")
    user: Mapped["User | None"] = relationship()  # noqa: F821
    partner: Mapped["Partner | None"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.CheckConstraint("(user_id IS NULL) <> (partner_id IS NULL)", name="user_or_partner"),
    )


class Need(db.Model):
    """A recorded need of residents, and who serves it once matched: a partner's service
    (``matched_service_id``) or a resident team (``matched_team_id``), never both."""

    __tablename__ = "need"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              index=True)
    group: Mapped[BeneficiaryGroup] = mapped_column("beneficiary_group",
                                                   enum_type(BeneficiaryGroup, "beneficiary_group"),
                                                   index=True)
    people_count: Mapped[int] = mapped_column(default=1)
    #: A named resident only with their recorded consent.
    resident_name: Mapped[str | None] = mapped_column(sa.String(80))
    consent_recorded: Mapped[bool] = mapped_column(default=False)
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("service_category.id", ondelete="RESTRICT"), index=True)
    description: Mapped[str] = mapped_column(sa.Text())
    urgency: Mapped[Urgency] = mapped_column(enum_type(Urgency, "need_urgency"), default=Urgency.normal)
    source: Mapped[NeedSource] = mapped_column(enum_type(NeedSource, "need_source"))
    state: Mapped[NeedState] = mapped_column(enum_type(NeedState, "need_state"),
                                             default=NeedState.open, index=True)
    decline_reason: Mapped[str | None] = mapped_column(sa.String(500))
    matched_service_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service.id", ondelete="RESTRICT"), index=True)
    matched_team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("team.id", ondelete="RESTRICT"), index=True)
    match_note: Mapped[str | None] = mapped_column(sa.String(500))
    #: The council meeting that decided the match, when it was decided at one.
    matched_meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("council_meeting.id", ondelete="RESTRICT"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    category: Mapped["ServiceCategory"] = relationship()  # noqa: F821
    matched_service: Mapped["Service | None"] = relationship()  # noqa: F821
    matched_team: Mapped["Team | None"] = relationship()  # noqa: F821
    matched_meeting: Mapped[CouncilMeeting | None] = relationship()
    recorded_by: Mapped["User | None"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.CheckConstraint("people_count > 0", name="people_count_positive"),
        sa.CheckConstraint("resident_name IS NULL OR consent_recorded", name="named_with_consent"),
        sa.CheckConstraint("state NOT IN ('matched', 'in_service') OR matched_service_id IS NOT NULL "
                           "OR matched_team_id IS NOT NULL", name="matched_has_target"),
        sa.CheckConstraint("matched_service_id IS NULL OR matched_team_id IS NULL",
                           name="one_match_target"),
        sa.CheckConstraint("state <> 'declined' OR decline_reason IS NOT NULL",
                           name="declined_has_reason"),
    )
