"""Charity micro-venture grants (慈善微创投): rounds, applications, review, council
decision, public notice, agreement, tranches, mid-term evaluation, expense claims and
final reports.

Design notes (read before changing anything here)
=================================================

One workflow, one enum, one transition function
-----------------------------------------------
An :class:`Application` carries the whole life of a proposal and, once awarded, of the
grant, in ``Application.state`` (:class:`ApplicationState`)::

    draft → submitted → in_review → approved | rejected
    in_review → more_info → resubmitted → in_review
    approved → public_notice → awarded → active → final_report_submitted → closed
    public_notice → cancelled                  (an objection upheld)
    awarded | active | final_report_submitted → terminated
    final_report_submitted → active            (the council returns the report)
    draft | submitted | in_review | more_info | resubmitted → withdrawn   (by the team)

:func:`charity.grants.workflow.transition` is the ONE function that changes
``Application.state``; every step is in ``workflow.TRANSITIONS``, an illegal one raises
:class:`charity.grants.errors.IllegalTransition` (and changes nothing), every step is
audited (``grant.<action>``). Guards that belong to a step (award needs the notice period
over and every objection resolved) live in that function too, so no caller can skip
them. Side effects of a step (creating the Grant row and the project at award, posting
money) live in the service that calls ``transition``.

:class:`Grant` exists from the award on (one per awarded application) and holds the
money; the sub-workflows (tranche, mid-term evaluation, expense claim, final report,
objection) each have their own small state enum and their own transition in
``charity/grants/{tranches,evaluations,claims,closing}.py`` (post-award) or
``notice.py`` (objections).

Who may do what
---------------
* ``admin`` (service-centre staff): rounds, criteria, panel, accepting applications for
  review, asking for more information, closing scoring (as chair), recording decisions
  (votes are the council's), publishing the notice, resolving objections, the
  agreement, award, tranches, approving expense claims.
* ``council``: read everything of grants; as a panel member declare conflicts and score;
  vote in a council meeting they attended; resolve objections; evaluate mid-term reports
  and accept final reports.
* ``expert`` (评审专家, new role): ONLY the rounds on whose panel they sit
  (:class:`RoundReviewer`, ``kind='expert'``): read those applications, declare
  conflicts, score. Nothing else in the app, and never vote.
* ``leader``: apply for their own team only (``led_team_ids``), edit a draft or a
  more-info application, withdraw before a decision, and (6b) self-evaluation, expense
  claims, final report of their own team's grant.
* ``auditor``: read everything, download the PDFs.
* anonymous visitors: the public notice page ``/p/<community slug>/grants`` and the
  objection form on it.

Review rules
------------
* Scores are whole numbers 0–10 per criterion (:data:`SCORE_MAX`); a criterion's weight
  is a whole percent and a round's weights sum to 100. A reviewer's weighted total is
  ``Σ points × weight / 100`` (0–10, kept as an exact integer in hundredths:
  ``Σ points × weight``). The average of the weighted totals and their spread (max − min)
  show once every non-recused panel member has scored, or once the chair (the round's
  ``chair`` or an admin) closes scoring (``Application.scoring_closed_at``).
* A panel member must declare (:class:`ConflictDeclaration`, kind ``none`` when there is
  no conflict) before scoring; any other kind recuses them from scoring AND voting on that
  application (``errors.Recused``).
* Quorum (:class:`QuorumRule`): counted at the vote over the council's eligible
  members = users holding the ``council`` role in the community who have not declared a
  conflict on that application. ``majority``: quorum = ⌊eligible / 2⌋ + 1;
  ``two_thirds``: quorum = ⌈2 × eligible / 3⌉. A decision needs votes cast (approve +
  reject + abstain) ≥ quorum; it is *approved* when approve > (approve + reject +
  abstain) / 2, *rejected* when reject > votes cast / 2, otherwise *no decision* (all
  abstain, a tie, abstentions holding the balance): the application stays in review
  for another meeting. Votes are recorded against a :class:`CouncilMeeting`
  (``charity.needs``) and the voter must be among its attendees.

Money design: see :mod:`charity.grants.models_award`.
"""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charity.extensions import db
from charity.models_base import UTCDateTime, enum_type, utcnow
from charity.teams.models import BeneficiaryGroup, groups_column

if TYPE_CHECKING:  # cycle: models_award imports this module
    from charity.grants.models_award import Grant

#: Highest score per criterion.
SCORE_MAX = 10

Money = sa.BigInteger


class QuorumRule(enum.StrEnum):
    majority = "majority"
    two_thirds = "two_thirds"


class ApplicationState(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    in_review = "in_review"
    more_info = "more_info"
    resubmitted = "resubmitted"
    approved = "approved"
    rejected = "rejected"
    public_notice = "public_notice"
    cancelled = "cancelled"
    awarded = "awarded"
    active = "active"
    final_report_submitted = "final_report_submitted"
    closed = "closed"
    terminated = "terminated"
    withdrawn = "withdrawn"


class ReviewerKind(enum.StrEnum):
    council = "council"
    expert = "expert"


class ConflictKind(enum.StrEnum):
    #: Declared: no conflict of interest.
    none = "none"
    team_member = "team_member"
    partner_tie = "partner_tie"
    other = "other"


class VoteChoice(enum.StrEnum):
    approve = "approve"
    reject = "reject"
    abstain = "abstain"


class DecisionOutcome(enum.StrEnum):
    approved = "approved"
    rejected = "rejected"
    no_decision = "no_decision"


class ObjectionState(enum.StrEnum):
    pending = "pending"
    upheld = "upheld"
    dismissed = "dismissed"


def _user_fk():
    return mapped_column(sa.ForeignKey("user_account.id", ondelete="RESTRICT"))


# -- rounds ----------------------------------------------------------------------------

class GrantRound(db.Model):
    """A call for applications with a budget cap (e.g. 2026年东益社区慈善微创投)."""

    __tablename__ = "grant_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    eligibility: Mapped[str] = mapped_column(sa.Text, default="")
    cap_fen: Mapped[int] = mapped_column(Money)
    #: Sum of approved amounts still committed; moved only by conditional UPDATEs.
    committed_fen: Mapped[int] = mapped_column(Money, default=0)
    max_per_application_fen: Mapped[int] = mapped_column(Money)
    opens_on: Mapped[date] = mapped_column(sa.Date)
    closes_on: Mapped[date] = mapped_column(sa.Date)
    quorum_rule: Mapped[QuorumRule] = mapped_column(enum_type(QuorumRule, "grant_quorum_rule", length=30),
                                                    default=QuorumRule.majority)
    #: Length of the public notice in working days (Monday to Friday).
    notice_days: Mapped[int] = mapped_column(default=5)
    #: The panel's chair (may close scoring), besides the admins.
    chair_id: Mapped[int | None] = _user_fk()
    created_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    criteria: Mapped[list["RoundCriterion"]] = relationship(
        back_populates="round", order_by="RoundCriterion.position", cascade="all, delete-orphan")
    reviewers: Mapped[list["RoundReviewer"]] = relationship(
        back_populates="round", order_by="RoundReviewer.id")
    chair = relationship("User", foreign_keys=[chair_id])

    __table_args__ = (
        sa.UniqueConstraint("community_id", "name"),
        sa.CheckConstraint("cap_fen > 0", name="cap_positive"),
        sa.CheckConstraint("committed_fen >= 0 AND committed_fen <= cap_fen", name="committed_within_cap"),
        sa.CheckConstraint("max_per_application_fen > 0 AND max_per_application_fen <= cap_fen",
                           name="max_within_cap"),
        sa.CheckConstraint("closes_on >= opens_on", name="closes_after_opens"),
        sa.CheckConstraint("notice_days >= 1 AND notice_days <= 30", name="notice_days_range"),
    )

    @property
    def remaining_fen(self):
        return self.cap_fen - self.committed_fen


class RoundCriterion(db.Model):
    """A scoring criterion of a round with its weight in whole percent."""

    __tablename__ = "grant_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_round.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    weight: Mapped[int]

    round: Mapped[GrantRound] = relationship(back_populates="criteria")

    __table_args__ = (
        sa.UniqueConstraint("round_id", "position"),
        sa.CheckConstraint("weight > 0 AND weight <= 100", name="weight_percent"),
    )


class RoundReviewer(db.Model):
    """A member of a round's review panel: a council member or an external expert."""

    __tablename__ = "grant_reviewer"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_round.id", ondelete="RESTRICT"),
                                          index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="RESTRICT"),
                                         index=True)
    kind: Mapped[ReviewerKind] = mapped_column(enum_type(ReviewerKind, "grant_reviewer_kind", length=30))
    #: Affiliation shown on the public notice (e.g. 某社工机构 督导).
    affiliation: Mapped[str] = mapped_column(sa.String(120), default="")
    added_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    round: Mapped[GrantRound] = relationship(back_populates="reviewers")
    user = relationship("User", foreign_keys=[user_id])

    __table_args__ = (sa.UniqueConstraint("round_id", "user_id"),)


# -- applications ----------------------------------------------------------------------

class Application(db.Model):
    """A team's application to a round and, once awarded, the grant's workflow state."""

    __tablename__ = "grant_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              index=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_round.id", ondelete="RESTRICT"),
                                          index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("team.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    target_groups: Mapped[str] = groups_column()
    planned_activities: Mapped[str] = mapped_column(sa.Text, default="")
    #: Sum of the budget lines (kept equal by the service that edits lines).
    requested_fen: Mapped[int] = mapped_column(Money, default=0)
    state: Mapped[ApplicationState] = mapped_column(
        enum_type(ApplicationState, "grant_application_state", length=30), default=ApplicationState.draft)
    #: What the panel asked for (the latest more-info request).
    info_request: Mapped[str] = mapped_column(sa.String(1000), default="")
    #: Set when the chair closes scoring before every reviewer has scored.
    scoring_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scoring_closed_by_id: Mapped[int | None] = _user_fk()
    #: Approved amount (may be lower than requested) and conditions, from the decision.
    approved_fen: Mapped[int | None] = mapped_column(Money)
    conditions: Mapped[str] = mapped_column(sa.String(1000), default="")
    #: Public notice: first and last day (working days, local calendar).
    notice_starts_on: Mapped[date | None] = mapped_column(sa.Date)
    notice_ends_on: Mapped[date | None] = mapped_column(sa.Date)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    round: Mapped[GrantRound] = relationship()
    team = relationship("Team")
    budget_lines: Mapped[list["BudgetLine"]] = relationship(
        back_populates="application", order_by="BudgetLine.position", cascade="all, delete-orphan")
    attachments: Mapped[list["ApplicationAttachment"]] = relationship(
        back_populates="application", order_by="ApplicationAttachment.id")
    grant: Mapped["Grant | None"] = relationship(back_populates="application", uselist=False)

    __table_args__ = (
        sa.CheckConstraint("requested_fen >= 0", name="requested_non_negative"),
        sa.CheckConstraint("approved_fen IS NULL OR (approved_fen > 0 AND approved_fen <= requested_fen)",
                           name="approved_within_request"),
        sa.CheckConstraint("notice_ends_on IS NULL OR notice_ends_on >= notice_starts_on",
                           name="notice_ends_after_start"),
        sa.Index("ix_grant_application_round_state", "round_id", "state"),
    )

    @property
    def group_list(self):
        return [BeneficiaryGroup(g) for g in (self.target_groups or "").split(",") if g]


class BudgetLine(db.Model):
    """One line of an application's budget: quantity × unit cost = line total."""

    __tablename__ = "grant_budget_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grant_application.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    item: Mapped[str] = mapped_column(sa.String(120))
    quantity: Mapped[int]
    unit_cost_fen: Mapped[int] = mapped_column(Money)
    line_total_fen: Mapped[int] = mapped_column(Money)
    #: A partner the line buys from (a reviewer tied to it has a conflict).
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id", ondelete="RESTRICT"))

    application: Mapped[Application] = relationship(back_populates="budget_lines")
    partner = relationship("Partner")

    __table_args__ = (
        sa.UniqueConstraint("application_id", "position"),
        sa.CheckConstraint("quantity > 0 AND quantity <= 100000", name="quantity_range"),
        sa.CheckConstraint("unit_cost_fen > 0", name="unit_cost_positive"),
        sa.CheckConstraint("line_total_fen = quantity * unit_cost_fen", name="line_total_checked"),
    )


class ApplicationAttachment(db.Model):
    """A file attached to an application (checked by ``charity.projects.uploads``)."""

    __tablename__ = "grant_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grant_application.id", ondelete="RESTRICT"), index=True)
    stored_name: Mapped[str] = mapped_column(sa.String(64))
    original_name: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[Application] = relationship(back_populates="attachments")

    __table_args__ = (
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'application/pdf')",
                           name="content_type_allowed"),
    )


# -- review and decision ---------------------------------------------------------------

class ConflictDeclaration(db.Model):
    """A panel member's declaration on one application; any kind but ``none`` recuses."""

    __tablename__ = "grant_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grant_application.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="RESTRICT"),
                                         index=True)
    kind: Mapped[ConflictKind] = mapped_column(enum_type(ConflictKind, "grant_conflict_kind", length=30))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user = relationship("User")

    __table_args__ = (
        sa.UniqueConstraint("application_id", "user_id"),
        sa.CheckConstraint("kind <> 'other' OR reason <> ''", name="other_has_reason"),
    )

    @property
    def recused(self):
        return self.kind != ConflictKind.none


class ScoreSheet(db.Model):
    """One reviewer's scores of one application (one row per criterion in ``scores``)."""

    __tablename__ = "grant_score_sheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grant_application.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="RESTRICT"),
                                         index=True)
    #: Σ points × weight: the weighted total in hundredths (0–1000 for 0–10 points).
    weighted_centi: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user = relationship("User")
    scores: Mapped[list["Score"]] = relationship(
        back_populates="sheet", order_by="Score.id", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("application_id", "user_id"),
        sa.CheckConstraint(f"weighted_centi >= 0 AND weighted_centi <= {SCORE_MAX * 100}",
                           name="weighted_range"),
    )


class Score(db.Model):
    """Points (0–10) for one criterion, with a comment."""

    __tablename__ = "grant_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_score_sheet.id", ondelete="CASCADE"),
                                          index=True)
    criterion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grant_criterion.id", ondelete="RESTRICT"), index=True)
    points: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.String(500), default="")

    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")
    criterion: Mapped[RoundCriterion] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("sheet_id", "criterion_id"),
        sa.CheckConstraint(f"points >= 0 AND points <= {SCORE_MAX}", name="points_range"),
    )


class CouncilVote(db.Model):
    """A council member's vote on an application at a council meeting they attended."""

    __tablename__ = "grant_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grant_application.id", ondelete="RESTRICT"), index=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("council_meeting.id", ondelete="RESTRICT"),
                                            index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="RESTRICT"),
                                         index=True)
    choice: Mapped[VoteChoice] = mapped_column(enum_type(VoteChoice, "grant_vote_choice", length=30))
    recorded_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    meeting = relationship("CouncilMeeting")

    __table_args__ = (sa.UniqueConstraint("application_id", "meeting_id", "user_id"),)


class GrantDecision(db.Model):
    """The count of one meeting's votes on an application and what it decided."""

    __tablename__ = "grant_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grant_application.id", ondelete="RESTRICT"), index=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("council_meeting.id", ondelete="RESTRICT"),
                                            index=True)
    outcome: Mapped[DecisionOutcome] = mapped_column(
        enum_type(DecisionOutcome, "grant_decision_outcome", length=30))
    #: Council members not recused, counted at the vote, and the quorum drawn from them.
    eligible: Mapped[int]
    quorum: Mapped[int]
    approve: Mapped[int]
    reject: Mapped[int]
    abstain: Mapped[int]
    approved_fen: Mapped[int | None] = mapped_column(Money)
    conditions: Mapped[str] = mapped_column(sa.String(1000), default="")
    recorded_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting = relationship("CouncilMeeting")

    __table_args__ = (
        sa.UniqueConstraint("application_id", "meeting_id"),
        sa.CheckConstraint("eligible >= 0 AND quorum >= 0 AND approve >= 0 AND reject >= 0 "
                           "AND abstain >= 0", name="counts_non_negative"),
        sa.CheckConstraint("outcome <> 'approved' OR approved_fen > 0", name="approved_has_amount"),
    )


class Objection(db.Model):
    """An objection lodged by anyone during the public notice. ``contact`` is never public."""

    __tablename__ = "grant_objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              index=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grant_application.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    contact: Mapped[str] = mapped_column(sa.String(100))
    reason: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[ObjectionState] = mapped_column(
        enum_type(ObjectionState, "grant_objection_state", length=30), default=ObjectionState.pending)
    resolution: Mapped[str] = mapped_column(sa.String(1000), default="")
    resolved_by_id: Mapped[int | None] = _user_fk()
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[Application] = relationship()

    __table_args__ = (
        sa.CheckConstraint("state = 'pending' OR resolution <> ''", name="resolved_has_reason"),
    )


# The post-award models live beside these; importing them here registers them with
# the mapper whichever module a script imports first.
from charity.grants import models_award  # noqa: E402,F401  cycle: models_award imports this module
