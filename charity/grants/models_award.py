"""Charity micro-venture grants after the award: the grant, its tranches, mid-term
evaluations, expense claims and receipts, refunds and the final report.

Money design
------------
All money is integer fen (BigInteger) with CHECK constraints.

* Round cap: ``GrantRound.committed_fen`` rises by the approved amount at approval in ONE
  conditional UPDATE (``committed_fen + :n <= cap_fen``; row count 0 →
  ``errors.CapExceeded``), and a CHECK ``committed_fen <= cap_fen`` backs it up.
  ``workflow.release_commitment(application, n)`` lowers it (conditional too): an upheld
  objection (cancelled) releases the whole approved amount; a termination releases the
  part never spent (``awarded − (disbursed − returned)`` at the end).
* Ledger (through :func:`charity.fund.api.posting` only):

  - tranche paid:   Dr 1221 grant advances (其他应收款—微创投资助款), Cr 1002 bank (or 1001
    cash); ``reference_type=grant_tranche``, ``reference_id='G<grant id>-T<seq>'``,
    ``project=<the grant's project title>``. post_entry refuses when the bank/cash
    account would go below zero ("never more than the fund holds").
  - expense claim approved: Dr 510101 micro-venture grants, Cr 1221 grant advances;
    ``reference_type=expense_claim``, ``reference_id='G<grant id>-C<claim id>'``,
    ``project=<the grant's project title>``.
  - money returned (termination, close): Dr 1002 bank (or cash), Cr 1221;
    ``reference_type=grant_tranche``, ``reference_id='G<grant id>-R<refund id>'``.

  The fund statement counts every asset account as the fund's money, so a tranche
  moves money from the bank to advances (no change in the fund's total) and the
  spending shows when a claim is approved.
* ``Grant`` keeps ``awarded_fen``, ``disbursed_fen``, ``spent_fen``, ``returned_fen``
  with CHECKs ``disbursed <= awarded`` and ``spent + returned <= disbursed``; each
  change is a conditional UPDATE on the grant row (``disbursed_fen + :n <=
  awarded_fen`` …) so the tranche beyond the award and the claim beyond the advance are
  refused also under concurrent requests.
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charity.extensions import db
from charity.grants.models import Application, BudgetLine, Money, _user_fk
from charity.models_base import BigId, UTCDateTime, enum_type, utcnow

midterm_activity = sa.Table(
    "grant_midterm_activity", db.metadata,
    sa.Column("evaluation_id", sa.ForeignKey("grant_midterm.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("activity_id", sa.ForeignKey("activity.id", ondelete="RESTRICT"), primary_key=True,
              index=True),
)


final_report_activity = sa.Table(
    "grant_final_report_activity", db.metadata,
    sa.Column("report_id", sa.ForeignKey("grant_final_report.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("activity_id", sa.ForeignKey("activity.id", ondelete="RESTRICT"), primary_key=True,
              index=True),
)


class TrancheState(enum.StrEnum):
    planned = "planned"
    paid = "paid"
    #: Will never be paid (a failed mid-term evaluation, termination, close).
    stopped = "stopped"


class EvaluationState(enum.StrEnum):
    submitted = "submitted"
    more_material = "more_material"
    passed = "passed"
    failed = "failed"


class ClaimState(enum.StrEnum):
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"


class FinalReportState(enum.StrEnum):
    submitted = "submitted"
    returned = "returned"
    accepted = "accepted"


class Grant(db.Model):
    """An awarded application's money: award, tranches paid, spent and returned."""

    __tablename__ = "grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              index=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grant_application.id", ondelete="RESTRICT"), unique=True)
    #: The team's project created at the award (projects module).
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("project.id", ondelete="RESTRICT"))
    #: Agreement number, e.g. DY-2026-WCT-01.
    agreement_no: Mapped[str] = mapped_column(sa.String(40))
    awarded_fen: Mapped[int] = mapped_column(Money)
    disbursed_fen: Mapped[int] = mapped_column(Money, default=0)
    spent_fen: Mapped[int] = mapped_column(Money, default=0)
    returned_fen: Mapped[int] = mapped_column(Money, default=0)
    #: The agreement as signed by both sides; no money moves before.
    signed_on: Mapped[date | None] = mapped_column(sa.Date)
    team_signatory: Mapped[str] = mapped_column(sa.String(80), default="")
    community_signatory: Mapped[str] = mapped_column(sa.String(80), default="")
    signed_recorded_by_id: Mapped[int | None] = _user_fk()
    #: Payments stopped (failed mid-term evaluation, termination).
    payments_stopped: Mapped[bool] = mapped_column(default=False)
    awarded_by_id: Mapped[int | None] = _user_fk()
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[Application] = relationship(back_populates="grant")
    project = relationship("Project")
    tranches: Mapped[list["Tranche"]] = relationship(back_populates="grant", order_by="Tranche.seq")

    __table_args__ = (
        sa.UniqueConstraint("community_id", "agreement_no"),
        sa.CheckConstraint("awarded_fen > 0", name="awarded_positive"),
        sa.CheckConstraint("disbursed_fen >= 0 AND spent_fen >= 0 AND returned_fen >= 0",
                           name="amounts_non_negative"),
        sa.CheckConstraint("disbursed_fen <= awarded_fen", name="disbursed_within_award"),
        sa.CheckConstraint("spent_fen + returned_fen <= disbursed_fen", name="spent_within_disbursed"),
        sa.CheckConstraint("signed_on IS NULL OR (team_signatory <> '' AND community_signatory <> '')",
                           name="signed_has_signatories"),
    )

    @property
    def advance_fen(self):
        """Money paid to the team and neither spent nor returned."""
        return self.disbursed_fen - self.spent_fen - self.returned_fen


class Tranche(db.Model):
    """One planned payment of a grant (e.g. 50/30/20 %); later ones wait for a passed
    mid-term evaluation."""

    __tablename__ = "grant_tranche"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grant.id", ondelete="RESTRICT"), index=True)
    seq: Mapped[int]
    percent: Mapped[int]
    amount_fen: Mapped[int] = mapped_column(Money)
    #: Paid only after a passed mid-term evaluation (every tranche after the first).
    needs_evaluation: Mapped[bool] = mapped_column(default=False)
    state: Mapped[TrancheState] = mapped_column(enum_type(TrancheState, "grant_tranche_state", length=30),
                                                default=TrancheState.planned)
    paid_on: Mapped[date | None] = mapped_column(sa.Date)
    entry_id: Mapped[int | None] = mapped_column(
        BigId,
        sa.ForeignKey("fund_journal_entry.id", ondelete="RESTRICT"))
    paid_by_id: Mapped[int | None] = _user_fk()

    grant: Mapped[Grant] = relationship(back_populates="tranches")
    entry = relationship("JournalEntry")

    __table_args__ = (
        sa.UniqueConstraint("grant_id", "seq"),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
        sa.CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),
        sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
        sa.CheckConstraint("state <> 'paid' OR (paid_on IS NOT NULL AND entry_id IS NOT NULL)",
                           name="paid_has_entry"),
    )


class MidtermEvaluation(db.Model):
    """中期评估: the team's self-evaluation with activity records, and the evaluators'
    pass or fail with an opinion. Gates the tranche ``tranche_seq``."""

    __tablename__ = "grant_midterm"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grant.id", ondelete="RESTRICT"), index=True)
    tranche_seq: Mapped[int]
    self_evaluation: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[EvaluationState] = mapped_column(
        enum_type(EvaluationState, "grant_midterm_state", length=30), default=EvaluationState.submitted)
    opinion: Mapped[str] = mapped_column(sa.Text, default="")
    #: A failed result is published (shown with the grant on the public page).
    published: Mapped[bool] = mapped_column(default=False)
    submitted_by_id: Mapped[int | None] = _user_fk()
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    evaluated_by_id: Mapped[int | None] = _user_fk()
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    grant: Mapped[Grant] = relationship()
    activities = relationship("Activity", secondary=midterm_activity, order_by="Activity.starts_at")

    __table_args__ = (
        sa.CheckConstraint("tranche_seq >= 2", name="gates_later_tranche"),
        sa.CheckConstraint("state NOT IN ('passed', 'failed', 'more_material') OR opinion <> ''",
                           name="evaluated_has_opinion"),
    )


class ExpenseClaim(db.Model):
    """A leader's claim against a budget line, with receipts; approval posts the spending."""

    __tablename__ = "grant_expense_claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grant.id", ondelete="RESTRICT"), index=True)
    budget_line_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grant_budget_line.id", ondelete="RESTRICT"), index=True)
    description: Mapped[str] = mapped_column(sa.String(300))
    amount_fen: Mapped[int] = mapped_column(Money)
    spent_on: Mapped[date] = mapped_column(sa.Date)
    state: Mapped[ClaimState] = mapped_column(enum_type(ClaimState, "grant_claim_state", length=30),
                                              default=ClaimState.submitted)
    decision_note: Mapped[str] = mapped_column(sa.String(500), default="")
    entry_id: Mapped[int | None] = mapped_column(
        BigId,
        sa.ForeignKey("fund_journal_entry.id", ondelete="RESTRICT"))
    submitted_by_id: Mapped[int | None] = _user_fk()
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = _user_fk()
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    grant: Mapped[Grant] = relationship()
    budget_line: Mapped[BudgetLine] = relationship()
    receipts: Mapped[list["ExpenseReceipt"]] = relationship(
        back_populates="claim", order_by="ExpenseReceipt.id")
    entry = relationship("JournalEntry")

    __table_args__ = (
        sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
        sa.CheckConstraint("state <> 'approved' OR entry_id IS NOT NULL", name="approved_has_entry"),
        sa.CheckConstraint("state <> 'rejected' OR decision_note <> ''", name="rejected_has_reason"),
    )


class ExpenseReceipt(db.Model):
    """A receipt (photo or PDF) of an expense claim."""

    __tablename__ = "grant_expense_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_expense_claim.id", ondelete="RESTRICT"),
                                          index=True)
    stored_name: Mapped[str] = mapped_column(sa.String(64))
    original_name: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    claim: Mapped[ExpenseClaim] = relationship(back_populates="receipts")

    __table_args__ = (
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'application/pdf')",
                           name="content_type_allowed"),
    )


class GrantRefund(db.Model):
    """Money not spent that the team returned to the fund (termination or close)."""

    __tablename__ = "grant_refund"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grant.id", ondelete="RESTRICT"), index=True)
    amount_fen: Mapped[int] = mapped_column(Money)
    returned_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(300))
    entry_id: Mapped[int] = mapped_column(
        BigId,
        sa.ForeignKey("fund_journal_entry.id", ondelete="RESTRICT"))
    recorded_by_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    grant: Mapped[Grant] = relationship()
    entry = relationship("JournalEntry")

    __table_args__ = (sa.CheckConstraint("amount_fen > 0", name="amount_positive"),)


class FinalReport(db.Model):
    """结项报告: narrative, outcomes, beneficiaries, linked activities (their photos are
    the activities' evidence). The council accepts it and the grant closes."""

    __tablename__ = "grant_final_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grant.id", ondelete="RESTRICT"), index=True)
    narrative: Mapped[str] = mapped_column(sa.Text)
    outcomes: Mapped[str] = mapped_column(sa.Text, default="")
    beneficiaries: Mapped[int] = mapped_column(default=0)
    state: Mapped[FinalReportState] = mapped_column(
        enum_type(FinalReportState, "grant_final_report_state", length=30),
        default=FinalReportState.submitted)
    opinion: Mapped[str] = mapped_column(sa.String(1000), default="")
    submitted_by_id: Mapped[int | None] = _user_fk()
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = _user_fk()
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    grant: Mapped[Grant] = relationship()
    activities = relationship("Activity", secondary=final_report_activity, order_by="Activity.starts_at")

    __table_args__ = (
        sa.CheckConstraint("beneficiaries >= 0", name="beneficiaries_non_negative"),
        sa.CheckConstraint("state <> 'returned' OR opinion <> ''", name="returned_has_opinion"),
    )
