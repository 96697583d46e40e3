"""The fund's public API: the one module other domains import from the fund.

Other domains (grants: tranches, expense claims, refunds, statements) post and read the
ledger through these names only; the models, the posting service and everything private
stay inside :mod:`charity.fund`. ``tests/test_structure.py`` holds the rule.

Posting several entries under one lock::

    with api.posting(community) as ledger:
        if ledger.find(idempotency_key) is not None:
            return  # a retried request: posted already
        ...  # conditional UPDATEs of the caller's own rows
        entry = ledger.post(value_date=day, memo=memo, reference_type=api.ReferenceType.grant_tranche,
                            reference_id="G7-T1", lines=[api.Line(api.GRANT_ADVANCES, fen),
                                                         api.Line(api.cash_account_for("bank"), -fen)],
                            idempotency_key=idempotency_key, actor=actor)

:func:`posting` takes the community's ledger lock at once; the lock is a database lock,
held until the transaction ends (commit or rollback), so every check and write of the
caller between taking it and the commit is serialised with every other posting of the
community. Entries are flushed, never committed: the caller's transaction commits.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from charity.extensions import db
from charity.fund import chart, ledger
from charity.fund.chart import (
    GRANT_ADVANCES,
    METHOD_NAMES,
    MICRO_VENTURE,
    PURPOSE_NAMES,
    account_name,
    cash_account_for,
)
from charity.fund.errors import (
    AlreadyReversed,
    FundError,
    InsufficientFunds,
    InvalidPosting,
    PeriodClosed,
    RestrictionViolation,
    UnbalancedEntry,
)
from charity.fund.forms import method_choices
from charity.fund.ledger import Line
from charity.fund.models import FundAccount, JournalEntry, LedgerHead, PaymentMethod, Purpose, ReferenceType

__all__ = [
    "AlreadyReversed", "FundError", "InsufficientFunds", "InvalidPosting", "PeriodClosed",
    "RestrictionViolation", "UnbalancedEntry",
    "GRANT_ADVANCES", "METHOD_NAMES", "MICRO_VENTURE", "PURPOSE_NAMES", "account_name", "cash_account_for",
    "chart", "method_choices",
    "JournalEntry", "Line", "PaymentMethod", "Purpose", "ReferenceType",
    "Ledger", "LedgerPosition", "posting", "entries_for", "ledger_head", "account_balance",
]


class Ledger:
    """A community's ledger with its lock held: post several entries, look up a retry.

    Made by :func:`posting`; usable as a context manager (``with posting(c) as ledger``)
    or, where the lock is taken on one branch only, held in a variable."""

    def __init__(self, community):
        self.community = community
        self._head = ledger.lock_head(community)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def find(self, idempotency_key):
        """The entry posted before with this key, or None (also for no key)."""
        return ledger.find_by_key(self.community, idempotency_key)

    def post(self, *, value_date, memo, reference_type, lines, reference_id=None, idempotency_key=None,
             actor=None, project=None):
        """Post a balanced entry under the lock held and return it (flushed, not committed).
        A key posted before returns the first entry. Raises the errors of
        :func:`charity.fund.ledger.post_entry` (all :class:`FundError`)."""
        return ledger.post_entry(
            self.community, value_date=value_date, memo=memo, reference_type=reference_type,
            reference_id=reference_id, lines=lines, idempotency_key=idempotency_key, actor=actor,
            project=project, _locked_head=self._head)


def posting(community) -> Ledger:
    """Take the community's ledger lock and return the :class:`Ledger` to post with."""
    return Ledger(community)


def entries_for(community, *, reference_type=None, reference_id=None, reference_prefix=None):
    """The community's journal entries of one reference, in chain order.

    ``reference_type`` and ``reference_id`` match exactly; ``reference_prefix`` matches the
    start of the reference id (grants: ``"G7-"`` for every entry of grant 7)."""
    stmt = sa.select(JournalEntry).where(JournalEntry.community_id == community.id)
    if reference_type is not None:
        stmt = stmt.where(JournalEntry.reference_type == ReferenceType(reference_type))
    if reference_id is not None:
        stmt = stmt.where(JournalEntry.reference_id == str(reference_id))
    if reference_prefix is not None:
        stmt = stmt.where(JournalEntry.reference_id.startswith(reference_prefix, autoescape=True))
    return db.session.scalars(stmt.order_by(JournalEntry.seq)).all()


@dataclass(frozen=True)
class LedgerPosition:
    """The end of a community's hash chain: the last entry's number and hash."""

    seq: int
    hash: str


def ledger_head(community) -> LedgerPosition | None:
    """Where the community's chain ends now (None before its fund was set up). Read
    without the lock: for printing, not for deciding."""
    head = db.session.scalar(sa.select(LedgerHead).where(LedgerHead.community_id == community.id))
    return LedgerPosition(head.last_seq, head.last_hash) if head is not None else None


def account_balance(community, code) -> int:
    """The balance of one account of the chart in fen, debit-positive (0 for an account the
    community has not used yet)."""
    balance = db.session.scalar(sa.select(FundAccount.balance_fen).where(
        FundAccount.community_id == community.id, FundAccount.code == code))
    return balance or 0
