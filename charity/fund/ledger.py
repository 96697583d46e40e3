"""The fund's ledger core: the one way money enters or leaves the ledger.

The chart and settings, the hash of an entry, posting and reversing. Donations, sales and
spending are in :mod:`charity.fund.income_spending`, the months in :mod:`charity.fund.periods`,
the check of the chain in :mod:`charity.fund.verification`.

Other domains (grants: tranches, expense claims, refunds) post through
:mod:`charity.fund.api` (``posting(community)``), never through this module; the fund's
own views use :mod:`charity.fund.income_spending`. Every
posting locks the community's :class:`LedgerHead` row first (a row lock on PostgreSQL,
the write lock on SQLite, see :func:`charity.dbutil.lock_row`), so the period check, the
balance and restriction checks, the sequence number and the writes happen in one
serialised transaction. All checks run before anything is written: a refused posting
raises a named :mod:`charity.fund.errors` error and changes nothing. Services flush;
the caller commits.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity import signals
from charity.audit.services import record, snapshot
from charity.dbutil import lock_row
from charity.extensions import db
from charity.fund import chart
from charity.fund.errors import (
    AlreadyReversed,
    InsufficientFunds,
    InvalidPosting,
    PeriodClosed,
    ReservedAccount,
    RestrictionViolation,
    UnbalancedEntry,
)
from charity.fund.models import (
    AccountKind,
    FundAccount,
    FundPeriod,
    FundSettings,
    JournalEntry,
    JournalLine,
    LedgerHead,
    PeriodState,
    Purpose,
    ReferenceType,
    SubFund,
)
from charity.models_base import local_today, utcnow

GENESIS = "0" * 64
#: Entries a module posts through :mod:`charity.fund.api` and corrects itself: the fund's
#: generic reversal refuses them.
MODULE_REFERENCES = frozenset({ReferenceType.grant_tranche, ReferenceType.expense_claim})
MAX_AMOUNT_FEN = 10**15


@dataclass(frozen=True)
class Line:
    """A line to post: ``account`` is a chart code; ``amount_fen`` debit-positive.

    ``subfund`` names the restricted sub-fund (by purpose) this income adds to or this
    spending releases; ``purpose`` says what an expense paid for.
    """

    account: str
    amount_fen: int
    subfund: Purpose | None = None
    purpose: Purpose | None = None


# --- chart -----------------------------------------------------------------------------

def ensure_chart(community):
    """Seed the chart of accounts and the chain head (idempotent)."""
    have = set(db.session.scalars(sa.select(FundAccount.code).where(
        FundAccount.community_id == community.id)))
    for code, kind, parent, _name in chart.CHART:
        if code not in have:
            db.session.add(FundAccount(community_id=community.id, code=code, kind=kind,
                                       parent_code=parent, balance_fen=0))
    if db.session.scalar(sa.select(LedgerHead.id).where(LedgerHead.community_id == community.id)) is None:
        db.session.add(LedgerHead(community_id=community.id, last_seq=0, last_hash=GENESIS))
    db.session.flush()


def connect_signals():
    """Each new community gets its chart of accounts."""
    signals.community_created.connect(ensure_chart, weak=False)


def accounts_by_code(community):
    return {a.code: a for a in db.session.scalars(
        sa.select(FundAccount).where(FundAccount.community_id == community.id))}


def subfunds_by_purpose(community):
    return {s.purpose: s for s in db.session.scalars(
        sa.select(SubFund).where(SubFund.community_id == community.id))}


def settings_for(community):
    return db.session.scalar(sa.select(FundSettings).where(FundSettings.community_id == community.id))


def set_volunteer_hour_value(community, value_fen, *, actor=None):
    if value_fen is not None and (not isinstance(value_fen, int) or value_fen < 0 or value_fen > 10**8):
        raise InvalidPosting(_l("Give the value of an hour as an amount of at most ¥1,000,000."))
    settings = settings_for(community)
    if settings is None:
        settings = FundSettings(community_id=community.id)
        db.session.add(settings)
        db.session.flush()
    before = snapshot(settings, "volunteer_hour_value_fen")
    settings.volunteer_hour_value_fen = value_fen
    db.session.flush()
    record("fund.settings", "fund_settings", settings.id, before=before,
           after=snapshot(settings, "volunteer_hour_value_fen"), community=community, actor=actor)
    return settings


# --- hashing ---------------------------------------------------------------------------

def entry_payload(*, community_id, seq, value_date, memo, reference_type, reference_id, project,
                  reverses_id, idempotency_key, posted_by_label, posted_at, lines):
    """The canonical text hashed for an entry: sorted JSON, integer amounts, ISO dates.
    ``lines`` are ``(account code, amount_fen, subfund purpose, purpose)`` in posting order."""
    return json.dumps({
        "community": community_id,
        "seq": seq,
        "value_date": value_date.isoformat(),
        "memo": memo,
        "reference_type": str(reference_type),
        "reference_id": reference_id,
        "project": project,
        "reverses": reverses_id,
        "idempotency_key": idempotency_key,
        "posted_by": posted_by_label,
        "posted_at": posted_at.isoformat(),
        "lines": [[code, int(amount), None if sub is None else str(sub),
                   None if purpose is None else str(purpose)] for code, amount, sub, purpose in lines],
    }, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(payload: str, prev_hash: str) -> str:
    return hashlib.sha256((prev_hash + "\n" + payload).encode("utf-8")).hexdigest()


# --- posting ---------------------------------------------------------------------------

def lock_head(community):
    """Lock the community's chain head and return it fresh from the database."""
    head_id = db.session.scalar(sa.select(LedgerHead.id).where(LedgerHead.community_id == community.id))
    if head_id is None:
        ensure_chart(community)
        head_id = db.session.scalar(sa.select(LedgerHead.id).where(LedgerHead.community_id == community.id))
    lock_row(LedgerHead, head_id)
    return db.session.execute(sa.select(LedgerHead).where(LedgerHead.id == head_id)
                              .execution_options(populate_existing=True)).scalar_one()


def find_by_key(community, key):
    if not key:
        return None
    return db.session.scalar(sa.select(JournalEntry).where(
        JournalEntry.community_id == community.id, JournalEntry.idempotency_key == key))


def closed_period(community, value_date):
    return db.session.scalar(sa.select(FundPeriod).where(
        FundPeriod.community_id == community.id, FundPeriod.year == value_date.year,
        FundPeriod.month == value_date.month,
        FundPeriod.state.in_([PeriodState.closed, PeriodState.reopen_requested])))


def _check_shape(value_date, memo, reference_type, lines, idempotency_key, project):
    if not isinstance(value_date, date) or value_date.year < 2000 or value_date.year > 2200:
        raise InvalidPosting(_l("Give a value date."))
    if not isinstance(memo, str) or not memo.strip() or len(memo) > 200:
        raise InvalidPosting(_l("Give a memo of at most 200 characters."))
    try:
        ReferenceType(reference_type)
    except ValueError:
        raise InvalidPosting(_l("Unknown kind of reference.")) from None
    if idempotency_key is not None and (not isinstance(idempotency_key, str)
                                        or not 1 <= len(idempotency_key) <= 64):
        raise InvalidPosting(_l("The idempotency key takes 1 to 64 characters."))
    if project is not None and len(project) > 100:
        raise InvalidPosting(_l("The project name takes at most 100 characters."))
    lines = list(lines)
    for line in lines:
        if not isinstance(line, Line):
            raise InvalidPosting(_l("Lines must be fund lines."))
        if not isinstance(line.amount_fen, int) or isinstance(line.amount_fen, bool):
            raise InvalidPosting(_l("Amounts are whole fen."))
        if line.amount_fen == 0 or abs(line.amount_fen) > MAX_AMOUNT_FEN:
            raise InvalidPosting(_l("Each line needs an amount other than zero."))
    if len(lines) < 2 or sum(line.amount_fen for line in lines) != 0:
        raise UnbalancedEntry()
    return lines


def post_entry(community, *, value_date, memo, reference_type, reference_id=None, lines,
               idempotency_key=None, actor=None, project=None, reverses=None, _locked_head=None):
    """Post a balanced entry and return it (flushes, never commits).

    A retried call with the same ``idempotency_key`` returns the entry first posted and
    changes nothing.

    :raises UnbalancedEntry: fewer than two lines, or lines that do not sum to zero.
    :raises InvalidPosting: an unknown or header account, a zero amount, a bad memo.
    :raises PeriodClosed: ``value_date`` lies in a closed month.
    :raises InsufficientFunds: cash, bank, unrestricted money or a restricted sub-fund
        would go below zero.
    :raises RestrictionViolation: restricted money would pay for another purpose, or a
        sub-fund is named on an asset or net-asset line.
    """
    lines = _check_shape(value_date, memo, reference_type, lines, idempotency_key, project)
    memo = memo.strip()
    accounts = accounts_by_code(community)
    if not accounts or any(line.account in chart.NAMES and line.account not in accounts for line in lines):
        # A community created before an account joined the chart gets it on first use.
        ensure_chart(community)
        accounts = accounts_by_code(community)
    for line in lines:
        account = accounts.get(line.account)
        if account is None or line.account in chart.HEADERS:
            raise InvalidPosting(_l("Unknown account %(code)s.", code=line.account))
        if line.subfund is not None:
            if account.kind not in (AccountKind.income, AccountKind.expense):
                raise RestrictionViolation(_l("Only income and spending lines name a restricted fund."))
            if account.kind == AccountKind.expense and line.purpose not in (None, line.subfund):
                raise RestrictionViolation()
        if line.purpose is not None and account.kind != AccountKind.expense:
            raise InvalidPosting(_l("Only spending lines name a purpose."))

    head = _locked_head or lock_head(community)
    existing = find_by_key(community, idempotency_key)
    if existing is not None:
        return existing
    if closed_period(community, value_date) is not None:
        raise PeriodClosed()

    # Balances read under the lock are current: no other posting of this community runs.
    account_delta = defaultdict(int)
    sub_delta = defaultdict(int)
    for line in lines:
        account_delta[line.account] += line.amount_fen
        if line.subfund is not None:
            # Restricted balance is credit-positive: income credited adds to it.
            sub_delta[line.subfund] -= line.amount_fen
    fresh = {a.code: a for a in db.session.execute(
        sa.select(FundAccount).where(FundAccount.community_id == community.id)
        .execution_options(populate_existing=True)).scalars()}
    subfunds = {s.purpose: s for s in db.session.execute(
        sa.select(SubFund).where(SubFund.community_id == community.id)
        .execution_options(populate_existing=True)).scalars()}
    for code, delta in account_delta.items():
        if fresh[code].kind == AccountKind.asset and fresh[code].balance_fen + delta < 0:
            raise InsufficientFunds(_l("Not enough money in %(account)s for this payment.",
                                       account=chart.account_name(code)))
    for purpose, delta in sub_delta.items():
        current = subfunds[purpose].balance_fen if purpose in subfunds else 0
        if current + delta < 0:
            raise InsufficientFunds(_l("Not enough restricted money for %(purpose)s.",
                                       purpose=chart.PURPOSE_NAMES[purpose]))
    assets = sum(a.balance_fen for a in fresh.values() if a.kind == AccountKind.asset)
    restricted = sum(s.balance_fen for s in subfunds.values())
    asset_change = sum(d for c, d in account_delta.items() if fresh[c].kind == AccountKind.asset)
    before_free = assets - restricted
    after_free = assets + asset_change - restricted - sum(sub_delta.values())
    if after_free < 0 and after_free < before_free:
        raise InsufficientFunds(_l("Not enough unrestricted money: the rest of the fund is restricted "
                                   "to other purposes."))

    # Every check passed: write.
    for purpose in sub_delta:
        if purpose not in subfunds:
            subfunds[purpose] = SubFund(community_id=community.id, purpose=purpose, balance_fen=0)
            db.session.add(subfunds[purpose])
    db.session.flush()
    posted_at = utcnow()
    label = actor.username if actor is not None else "cli"
    seq = head.last_seq + 1
    reverses_id = reverses.id if reverses is not None else None
    payload = entry_payload(
        community_id=community.id, seq=seq, value_date=value_date, memo=memo,
        reference_type=ReferenceType(reference_type), reference_id=reference_id, project=project,
        reverses_id=reverses_id, idempotency_key=idempotency_key, posted_by_label=label,
        posted_at=posted_at,
        lines=[(ln.account, ln.amount_fen, ln.subfund, ln.purpose) for ln in lines])
    digest = chain_hash(payload, head.last_hash)
    entry = JournalEntry(
        community_id=community.id, seq=seq, value_date=value_date, memo=memo,
        reference_type=ReferenceType(reference_type), reference_id=reference_id, project=project,
        reverses_id=reverses_id, idempotency_key=idempotency_key,
        posted_by_id=actor.id if actor is not None else None, posted_by_label=label,
        posted_at=posted_at, prev_hash=head.last_hash, hash=digest)
    db.session.add(entry)
    db.session.flush()
    for ln in lines:
        db.session.add(JournalLine(
            entry_id=entry.id, account_id=fresh[ln.account].id, amount_fen=ln.amount_fen,
            subfund_id=subfunds[ln.subfund].id if ln.subfund is not None else None,
            purpose=ln.purpose))
    db.session.flush()
    for code, delta in account_delta.items():
        _conditional_add(FundAccount, fresh[code].id, delta, fresh[code].kind == AccountKind.asset)
    for purpose, delta in sub_delta.items():
        _conditional_add(SubFund, subfunds[purpose].id, delta, True)
    db.session.execute(sa.update(LedgerHead).where(LedgerHead.id == head.id)
                       .values(last_seq=seq, last_hash=digest)
                       .execution_options(synchronize_session=False))
    db.session.expire(head)
    db.session.flush()
    return entry


def _conditional_add(model, ident, delta, not_negative):
    """``balance = balance + delta`` in one statement; refused when it would go negative.

    The checks above already hold under the head lock; this is the second line of
    defence (and the CHECK constraints the third)."""
    stmt = sa.update(model).where(model.id == ident)
    if not_negative:
        stmt = stmt.where(model.balance_fen + delta >= 0)
    result = db.session.execute(stmt.values(balance_fen=model.balance_fen + delta)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise InsufficientFunds()


def reverse_entry(community, entry, *, memo=None, actor=None, value_date=None, idempotency_key=None):
    """Post the reversal of ``entry`` (every line negated), linked to it.

    :raises AlreadyReversed: the entry was reversed before, or is a reversal.
    :raises PeriodClosed, InsufficientFunds: as :func:`post_entry`.
    """
    head = lock_head(community)
    existing = find_by_key(community, idempotency_key)
    if existing is not None:
        return existing
    if entry.community_id != community.id:
        raise InvalidPosting(_l("Unknown entry."))
    if entry.reverses_id is not None or db.session.scalar(
            sa.select(JournalEntry.id).where(JournalEntry.reverses_id == entry.id)):
        raise AlreadyReversed()
    if entry.reference_type in MODULE_REFERENCES:
        raise ReservedAccount(_l("This entry belongs to a grant: correct it on the grant's page (a refund, "
                                 "or stopping its payments), so the grant's statement keeps every fen."))
    lines = [Line(ln.account.code, -ln.amount_fen, ln.subfund.purpose if ln.subfund else None, ln.purpose)
             for ln in entry.lines]
    reversal = post_entry(
        community, value_date=value_date or local_today(),
        memo=(memo or str(_l("Reversal of entry %(seq)s", seq=entry.seq)))[:200],
        reference_type=ReferenceType.reversal, reference_id=str(entry.id), lines=lines,
        idempotency_key=idempotency_key, actor=actor, project=entry.project, reverses=entry,
        _locked_head=head)
    record("fund.reverse", "fund_entry", entry.id, community=community, actor=actor,
           label=f"#{entry.seq}", after={"reversal_seq": reversal.seq, "memo": reversal.memo})
    return reversal
