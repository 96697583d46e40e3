"""The community fund: a double-entry ledger in integer fen.

Sign convention: a journal line's ``amount_fen`` is positive for a debit and negative for
a credit; the lines of an entry sum to zero. Asset and expense accounts grow with debits,
net-asset and income accounts with credits. ``FundAccount.balance_fen`` and
``SubFund.balance_fen`` are caches maintained in the same transaction as the lines and
checked by ``verify-ledger``; journal entries and lines are append-only (database
triggers refuse UPDATE and DELETE).
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charity.extensions import db
from charity.models_base import BigId, UTCDateTime, enum_type, utcnow


class AccountKind(enum.StrEnum):
    asset = "asset"
    net_asset = "net_asset"
    income = "income"
    expense = "expense"


class Purpose(enum.StrEnum):
    """What restricted money may pay for: the beneficiary groups of the programme."""

    elderly = "elderly"
    children = "children"
    special = "special"
    new_employment = "new_employment"


class FundAccount(db.Model):
    """One account of a community's chart (民间非营利组织会计制度 categories)."""

    __tablename__ = "fund_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    #: Stable code, e.g. "1002" bank, "510101" micro-venture grants.
    code: Mapped[str] = mapped_column(sa.String(10))
    kind: Mapped[AccountKind] = mapped_column(enum_type(AccountKind, "fund_account_kind"))
    #: Code of the parent account ("5101" programme costs for "510101"), or None.
    parent_code: Mapped[str | None] = mapped_column(sa.String(10))
    #: Debit-positive sum of the account's lines, maintained with every posting.
    balance_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    __table_args__ = (
        sa.UniqueConstraint("community_id", "code"),
        # Cash and bank never go below zero (invariant 3): the database holds it too.
        sa.CheckConstraint("kind <> 'asset' OR balance_fen >= 0", name="asset_not_negative"),
    )


class SubFund(db.Model):
    """A restricted sub-fund (限定性净资产): donations tied to one purpose.

    ``balance_fen`` is what is still restricted: restricted income credited to it, less
    the matching spending that released it.
    """

    __tablename__ = "fund_subfund"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    purpose: Mapped[Purpose] = mapped_column(enum_type(Purpose, "fund_purpose"))
    balance_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("community_id", "purpose"),
        sa.CheckConstraint("balance_fen >= 0", name="balance_not_negative"),
    )


class LedgerHead(db.Model):
    """The end of a community's hash chain. Every posting locks this row first, so
    sequence numbers, balances checks and writes are serialised per community."""

    __tablename__ = "fund_ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              unique=True)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: SHA-256 hex of the last entry, or 64 zeros before the first.
    last_hash: Mapped[str] = mapped_column(sa.String(64), default="0" * 64)


class ReferenceType(enum.StrEnum):
    opening = "opening"
    donation = "donation"
    sale = "sale"
    grant_tranche = "grant_tranche"
    expense_claim = "expense_claim"
    expense = "expense"
    reversal = "reversal"


class JournalEntry(db.Model):
    """A posted journal entry. Never updated or deleted; corrected by a reversal."""

    __tablename__ = "fund_journal_entry"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    #: Position in the community's hash chain: 1, 2, 3… assigned under the head lock.
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    value_date: Mapped[date] = mapped_column(sa.Date)
    memo: Mapped[str] = mapped_column(sa.String(200))
    reference_type: Mapped[ReferenceType] = mapped_column(enum_type(ReferenceType, "fund_reference_type"))
    #: The id of the donation, sale, grant tranche… as text (other modules' ids).
    reference_id: Mapped[str | None] = mapped_column(sa.String(40))
    #: The grant or project the money went to, for the statement's "by grant or project".
    project: Mapped[str | None] = mapped_column(sa.String(100))
    #: The entry this one reverses (at most one reversal per entry).
    reverses_id: Mapped[int | None] = mapped_column(
        BigId, sa.ForeignKey("fund_journal_entry.id", ondelete="RESTRICT"), unique=True)
    #: A retried posting with the same key returns the first entry instead of posting again.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64))
    posted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    posted_by_label: Mapped[str] = mapped_column(sa.String(80))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    lines: Mapped[list["JournalLine"]] = relationship(back_populates="entry", order_by="JournalLine.id")
    posted_by = relationship("User")

    __table_args__ = (
        sa.UniqueConstraint("community_id", "seq"),
        sa.UniqueConstraint("community_id", "idempotency_key"),
        sa.Index("ix_fund_journal_entry_community_date", "community_id", "value_date", "seq"),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
        sa.CheckConstraint("length(hash) = 64 AND length(prev_hash) = 64", name="hash_length"),
    )


class JournalLine(db.Model):
    """One debit (positive) or credit (negative) of an entry, in fen."""

    __tablename__ = "fund_journal_line"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        BigId, sa.ForeignKey("fund_journal_entry.id", ondelete="RESTRICT"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("fund_account.id", ondelete="RESTRICT"),
                                            index=True)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    #: The restricted sub-fund this income adds to or this spending releases.
    subfund_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("fund_subfund.id", ondelete="RESTRICT"), index=True)
    #: What an expense paid for (must match the sub-fund's purpose when restricted).
    purpose: Mapped[Purpose | None] = mapped_column(enum_type(Purpose, "fund_line_purpose"))

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")
    account: Mapped[FundAccount] = relationship()
    subfund: Mapped[SubFund | None] = relationship()

    __table_args__ = (sa.CheckConstraint("amount_fen <> 0", name="amount_not_zero"),)


class PaymentMethod(enum.StrEnum):
    cash = "cash"
    bank = "bank"
    wechat = "wechat"
    alipay = "alipay"


class Donation(db.Model):
    __tablename__ = "fund_donation"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    #: Printed on the receipt: JZ2026-0001, unique per community.
    receipt_no: Mapped[str] = mapped_column(sa.String(20))
    #: None for an anonymous donor.
    donor_name: Mapped[str | None] = mapped_column(sa.String(100))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod, "fund_payment_method"))
    received_on: Mapped[date] = mapped_column(sa.Date)
    subfund_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fund_subfund.id", ondelete="RESTRICT"))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    entry_id: Mapped[int | None] = mapped_column(
        BigId, sa.ForeignKey("fund_journal_entry.id", ondelete="RESTRICT"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    subfund: Mapped[SubFund | None] = relationship()
    entry: Mapped[JournalEntry | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("community_id", "receipt_no"),
        sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
    )


class Sale(db.Model):
    """Charity-sale income (义卖), e.g. an upcycling workshop's stall."""

    __tablename__ = "fund_sale"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    event: Mapped[str] = mapped_column(sa.String(100))
    items: Mapped[str] = mapped_column(sa.String(500))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod, "fund_sale_method"))
    sold_on: Mapped[date] = mapped_column(sa.Date)
    entry_id: Mapped[int | None] = mapped_column(
        BigId, sa.ForeignKey("fund_journal_entry.id", ondelete="RESTRICT"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.CheckConstraint("amount_fen > 0", name="amount_positive"),)


class PeriodState(enum.StrEnum):
    open = "open"
    closed = "closed"
    #: Closed, with a reopening asked for by one person and awaiting the second.
    reopen_requested = "reopen_requested"


class FundPeriod(db.Model):
    """A calendar month of a community's fund. No row means the month was never closed."""

    __tablename__ = "fund_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column()
    month: Mapped[int] = mapped_column()
    state: Mapped[PeriodState] = mapped_column(enum_type(PeriodState, "fund_period_state"))
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopen_requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"))
    #: The role the requester acted in ("admin" or "council"); the confirmer holds the other.
    reopen_requested_role: Mapped[str | None] = mapped_column(sa.String(20))
    reopen_reason: Mapped[str | None] = mapped_column(sa.String(200))

    closed_by = relationship("User", foreign_keys=[closed_by_id])
    reopen_requested_by = relationship("User", foreign_keys=[reopen_requested_by_id])

    __table_args__ = (
        sa.UniqueConstraint("community_id", "year", "month"),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
    )

    @property
    def label(self):
        return f"{self.year}-{self.month:02d}"


class FundSettings(db.Model):
    """Per-community fund settings."""

    __tablename__ = "fund_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id", ondelete="RESTRICT"),
                                              unique=True)
    #: The value the community puts on one hour of volunteer service (fen), for the
    #: statement's donated-services note; None discloses hours only.
    volunteer_hour_value_fen: Mapped[int | None] = mapped_column(sa.Integer)

    __table_args__ = (sa.CheckConstraint("volunteer_hour_value_fen >= 0", name="hour_value_not_negative"),)
