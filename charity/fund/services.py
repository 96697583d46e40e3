"""The fund's posting service: the one way money enters or leaves the ledger.

Other domains (grants: tranches, expense claims, refunds) post through
:mod:`charity.fund.api` (``posting(community)``), never through this module; the fund's
own views use :func:`record_donation`, :func:`record_sale`, :func:`pay_expense`. Every
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
from charity.accounts.models import Role
from charity.audit.services import record, snapshot
from charity.dbutil import lock_row
from charity.extensions import db
from charity.fund import chart
from charity.fund.errors import (
    AlreadyReversed,
    InsufficientFunds,
    InvalidPosting,
    PeriodClosed,
    PeriodTransitionError,
    ReopenNeedsTwoPeople,
    RestrictionViolation,
    UnbalancedEntry,
)
from charity.fund.models import (
    AccountKind,
    Donation,
    FundAccount,
    FundPeriod,
    FundSettings,
    JournalEntry,
    JournalLine,
    LedgerHead,
    PaymentMethod,
    PeriodState,
    Purpose,
    ReferenceType,
    Sale,
    SubFund,
)
from charity.models_base import local_today, utcnow
from charity.statemachine import Workflow

GENESIS = "0" * 64
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


def _check_amount(amount_fen):
    if (not isinstance(amount_fen, int) or isinstance(amount_fen, bool)
            or not 0 < amount_fen <= MAX_AMOUNT_FEN):
        raise InvalidPosting(_l("Give an amount greater than zero."))


def next_receipt_no(community, year):
    prefix = f"JZ{year}-"
    last = db.session.scalar(sa.select(sa.func.max(Donation.receipt_no)).where(
        Donation.community_id == community.id, Donation.receipt_no.like(prefix + "%")))
    number = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def record_donation(community, *, amount_fen, received_on, method, donor_name=None, restriction=None,
                    note="", idempotency_key=None, actor=None):
    """Record a donation and post it: cash or bank debited, donation income credited
    (to a restricted sub-fund when ``restriction`` names a purpose). Returns the donation.
    The receipt number (JZ2026-0001) is assigned under the ledger lock."""
    _check_amount(amount_fen)
    method = PaymentMethod(method)
    restriction = Purpose(restriction) if restriction else None
    donor_name = (donor_name or "").strip() or None
    if donor_name and len(donor_name) > 100 or len(note or "") > 200:
        raise InvalidPosting(_l("The donor's name takes at most 100 characters, the note 200."))
    head = lock_head(community)
    existing = find_by_key(community, idempotency_key)
    if existing is not None:
        return db.session.scalar(sa.select(Donation).where(Donation.entry_id == existing.id))
    if closed_period(community, received_on) is not None:
        raise PeriodClosed()
    donation = Donation(community_id=community.id, receipt_no=next_receipt_no(community, received_on.year),
                        donor_name=donor_name, amount_fen=amount_fen, method=method,
                        received_on=received_on, note=note or "",
                        created_by_id=actor.id if actor is not None else None)
    db.session.add(donation)
    db.session.flush()
    memo = str(_l("Donation %(receipt)s from %(donor)s", receipt=donation.receipt_no,
                  donor=donor_name or _l("an anonymous donor")))[:200]
    entry = post_entry(community, value_date=received_on, memo=memo,
                       reference_type=ReferenceType.donation, reference_id=str(donation.id),
                       lines=[Line(chart.cash_account_for(method), amount_fen),
                              Line(chart.DONATIONS, -amount_fen, subfund=restriction)],
                       idempotency_key=idempotency_key, actor=actor, _locked_head=head)
    donation.entry_id = entry.id
    if restriction is not None:
        donation.subfund_id = db.session.scalar(sa.select(SubFund.id).where(
            SubFund.community_id == community.id, SubFund.purpose == restriction))
    db.session.flush()
    record("fund.donation", "fund_donation", donation.id, community=community, actor=actor,
           label=donation.receipt_no,
           after={"donor_name": donor_name, "amount_fen": amount_fen, "method": method,
                  "restriction": restriction, "received_on": received_on, "entry_seq": entry.seq})
    return donation


def record_sale(community, *, event, items, amount_fen, sold_on, method, idempotency_key=None, actor=None):
    """Record charity-sale income and post it (cash or bank / sales income)."""
    _check_amount(amount_fen)
    method = PaymentMethod(method)
    event, items = (event or "").strip(), (items or "").strip()
    if not event or len(event) > 100 or len(items) > 500:
        raise InvalidPosting(_l("Name the event (at most 100 characters); items take at most 500."))
    head = lock_head(community)
    existing = find_by_key(community, idempotency_key)
    if existing is not None:
        return db.session.scalar(sa.select(Sale).where(Sale.entry_id == existing.id))
    if closed_period(community, sold_on) is not None:
        raise PeriodClosed()
    sale = Sale(community_id=community.id, event=event, items=items, amount_fen=amount_fen,
                method=method, sold_on=sold_on)
    db.session.add(sale)
    db.session.flush()
    memo = str(_l("Charity sale: %(event)s", event=event))[:200]
    entry = post_entry(community, value_date=sold_on, memo=memo,
                       reference_type=ReferenceType.sale, reference_id=str(sale.id),
                       lines=[Line(chart.cash_account_for(method), amount_fen),
                              Line(chart.SALES, -amount_fen)],
                       idempotency_key=idempotency_key, actor=actor, _locked_head=head)
    sale.entry_id = entry.id
    db.session.flush()
    record("fund.sale", "fund_sale", sale.id, community=community, actor=actor, label=event,
           after={"event": event, "items": items, "amount_fen": amount_fen, "sold_on": sold_on,
                  "entry_seq": entry.seq})
    return sale


def pay_expense(community, *, amount_fen, paid_on, expense_account, memo, method=PaymentMethod.bank,
                purpose=None, restricted=False, project=None, reference_type=ReferenceType.expense,
                reference_id=None, idempotency_key=None, actor=None):
    """Pay an expense from cash or bank. With ``restricted`` the matching restricted
    sub-fund (``purpose``) pays and is released by the amount; otherwise unrestricted
    money pays. Grants post tranches with ``reference_type=grant_tranche`` and
    ``expense_account=MICRO_VENTURE``."""
    _check_amount(amount_fen)
    if expense_account not in chart.EXPENSE_CODES:
        raise InvalidPosting(_l("Choose a kind of spending."))
    purpose = Purpose(purpose) if purpose else None
    if restricted and purpose is None:
        raise RestrictionViolation(_l("Restricted money pays only for a named purpose."))
    head = lock_head(community)
    existing = find_by_key(community, idempotency_key)
    if existing is not None:
        return existing
    entry = post_entry(community, value_date=paid_on, memo=memo, reference_type=reference_type,
                       reference_id=reference_id, project=(project or None),
                       lines=[Line(expense_account, amount_fen, subfund=purpose if restricted else None,
                                   purpose=purpose),
                              Line(chart.cash_account_for(method), -amount_fen)],
                       idempotency_key=idempotency_key, actor=actor, _locked_head=head)
    record("fund.expense", "fund_entry", entry.id, community=community, actor=actor, label=f"#{entry.seq}",
           after={"memo": entry.memo, "amount_fen": amount_fen, "account": expense_account,
                  "restriction": purpose if restricted else None, "seq": entry.seq})
    return entry


def post_opening_balance(community, *, amount_fen, value_date, method=PaymentMethod.bank, actor=None,
                         idempotency_key=None):
    """Bring in money the fund held before the ledger started (unrestricted net assets)."""
    _check_amount(amount_fen)
    return post_entry(community, value_date=value_date, memo=str(_l("Opening balance")),
                      reference_type=ReferenceType.opening,
                      lines=[Line(chart.cash_account_for(method), amount_fen), Line("3101", -amount_fen)],
                      idempotency_key=idempotency_key, actor=actor)


# --- periods ---------------------------------------------------------------------------

def _roles_of(user, community):
    return user.roles_in(community.id) if user is not None else set()


def _period_row(community, year, month):
    return db.session.scalar(sa.select(FundPeriod).where(
        FundPeriod.community_id == community.id, FundPeriod.year == year, FundPeriod.month == month))


#: action -> (states it may start from, state it leads to). A month without a row is open.
PERIOD_TRANSITIONS = {
    "close": ({PeriodState.open}, PeriodState.closed),
    "request_reopen": ({PeriodState.closed}, PeriodState.reopen_requested),
    "confirm_reopen": ({PeriodState.reopen_requested}, PeriodState.open),
    "cancel_reopen": ({PeriodState.reopen_requested}, PeriodState.closed),
}

_PERIOD_REFUSED = {
    "close": _l("This month is already closed."),
    "request_reopen": _l("Only a closed month can be reopened."),
    "confirm_reopen": _l("No reopening of this month awaits confirmation."),
    "cancel_reopen": _l("No reopening of this month awaits confirmation."),
}

PERIOD_FLOW = Workflow(FundPeriod, PERIOD_TRANSITIONS, audit_prefix="fund.period", object_type="fund_period",
                       refused=lambda period, action: _PERIOD_REFUSED.get(action, _l("Unknown step.")),
                       label=lambda period: period.label)


def transition_period(community, year, month, action, *, actor, reason=None):
    """The one transition function of a month's state machine.

    open --close (admin)--> closed --request_reopen (admin or council)--> reopen_requested
    --confirm_reopen (the other role, another person)--> open;
    reopen_requested --cancel_reopen (either)--> closed.

    :raises PeriodTransitionError: the action does not apply to the month's state or role.
    :raises ReopenNeedsTwoPeople: the confirmer is the requester or holds the same role only.
    """
    if not (1 <= month <= 12 and 2000 <= year <= 2200):
        raise PeriodTransitionError(_l("No such month."))
    lock_head(community)  # serialise with postings dated in the month
    period = _period_row(community, year, month)
    state = period.state if period is not None else PeriodState.open
    roles = _roles_of(actor, community)
    before = {"state": state}
    if action not in PERIOD_TRANSITIONS:
        raise PERIOD_FLOW.illegal(period, action)
    if action == "close" and Role.admin not in roles:
        raise PeriodTransitionError(_l("Only an admin closes a month."))
    if state not in PERIOD_FLOW.sources(action):
        raise PERIOD_FLOW.illegal(period, action)
    cleared = {"reopen_requested_by_id": None, "reopen_requested_role": None, "reopen_reason": None}
    values = {}
    if action == "close":
        if period is None:
            period = FundPeriod(community_id=community.id, year=year, month=month, state=PeriodState.open)
            db.session.add(period)
            db.session.flush()
        values = {"closed_by_id": actor.id, "closed_at": utcnow(), **cleared}
    elif action == "request_reopen":
        role = Role.admin if Role.admin in roles else Role.council if Role.council in roles else None
        if role is None:
            raise PeriodTransitionError(_l("Only an admin or a council member asks to reopen a month."))
        reason = (reason or "").strip()
        if not reason or len(reason) > 200:
            raise PeriodTransitionError(_l("Give the reason for reopening (at most 200 characters)."))
        values = {"reopen_requested_by_id": actor.id, "reopen_requested_role": role.value,
                  "reopen_reason": reason}
    elif action == "confirm_reopen":
        needed = Role.council if period.reopen_requested_role == Role.admin.value else Role.admin
        if actor.id == period.reopen_requested_by_id or needed not in roles:
            raise ReopenNeedsTwoPeople()
    elif action == "cancel_reopen":
        if not roles & {Role.admin, Role.council}:
            raise PeriodTransitionError(_l("Only an admin or a council member may do this."))
        values = cleared
    return PERIOD_FLOW.step(
        period, action, values=values, community=community, actor=actor, before=before,
        after=lambda p: {"state": p.state, "reason": reason} if reason else {"state": p.state})


# --- verification ----------------------------------------------------------------------

@dataclass
class Verification:
    ok: bool
    community_slug: str
    entries: int
    head_hash: str
    bad_seq: int | None = None
    bad_entry_id: int | None = None
    problem: str = ""


def verify_ledger(community):
    """Recompute the hash chain and every maintained balance of ``community``.

    Streams entries and lines in chain order (one query), so memory stays flat. Stops at
    the first bad entry and names it.
    """
    codes = {a.id: a for a in db.session.scalars(sa.select(FundAccount).where(
        FundAccount.community_id == community.id))}
    subs = {s.id: s for s in db.session.scalars(sa.select(SubFund).where(
        SubFund.community_id == community.id))}
    head = db.session.scalar(sa.select(LedgerHead).where(LedgerHead.community_id == community.id))
    E, L = JournalEntry, JournalLine
    stmt = (sa.select(E.id, E.seq, E.value_date, E.memo, E.reference_type, E.reference_id, E.project,
                      E.reverses_id, E.idempotency_key, E.posted_by_label, E.posted_at, E.prev_hash,
                      E.hash, L.account_id, L.amount_fen, L.subfund_id, L.purpose)
            .outerjoin(L, L.entry_id == E.id)
            .where(E.community_id == community.id).order_by(E.seq, L.id)
            .execution_options(yield_per=5000))
    balances, sub_balances = defaultdict(int), defaultdict(int)
    prev_hash, expected_seq, count = GENESIS, 1, 0

    def bad(row, problem):
        return Verification(False, community.slug, count, head.last_hash if head else GENESIS,
                            row.seq, row.id, str(problem))

    current, lines = None, []

    def check(row, lines):
        nonlocal prev_hash, expected_seq
        if row.seq != expected_seq:
            return bad(row, _l("sequence number %(seq)s where %(expected)s was expected",
                                 seq=row.seq, expected=expected_seq))
        if row.prev_hash != prev_hash:
            return bad(row, _l("the link to the previous entry's hash is broken"))
        if len(lines) < 2 or sum(a for _acc, a, _s, _p in lines) != 0:
            return bad(row, _l("its lines do not sum to zero"))
        for account_id, amount, sub_id, _purpose in lines:
            if account_id not in codes or (sub_id is not None and sub_id not in subs):
                return bad(row, _l("a line names an account of another community"))
            balances[account_id] += amount
            if sub_id is not None:
                sub_balances[sub_id] -= amount
        payload = entry_payload(
            community_id=community.id, seq=row.seq, value_date=row.value_date, memo=row.memo,
            reference_type=row.reference_type, reference_id=row.reference_id, project=row.project,
            reverses_id=row.reverses_id, idempotency_key=row.idempotency_key,
            posted_by_label=row.posted_by_label, posted_at=row.posted_at,
            lines=[(codes[a].code, amt, subs[s].purpose if s is not None else None, p)
                   for a, amt, s, p in lines])
        if chain_hash(payload, prev_hash) != row.hash:
            return bad(row, _l("its content does not match its hash"))
        prev_hash = row.hash
        expected_seq += 1
        return None

    rows = db.session.execute(stmt)
    try:
        for row in rows:
            if current is not None and row.id != current.id:
                problem = check(current, lines)
                if problem:
                    return problem
                count += 1
                lines = []
            current = row
            if row.account_id is not None:
                lines.append((row.account_id, row.amount_fen, row.subfund_id, row.purpose))
    finally:
        rows.close()  # a server-side cursor on PostgreSQL, when stopping at a bad entry
    if current is not None:
        problem = check(current, lines)
        if problem:
            return problem
        count += 1
    last_hash = head.last_hash if head else GENESIS
    result = Verification(True, community.slug, count, last_hash)
    if head is None or head.last_seq != count or head.last_hash != prev_hash:
        result.ok, result.problem = False, str(_l("the chain head does not match the last entry"))
        return result
    for account in codes.values():
        if account.balance_fen != balances.get(account.id, 0):
            result.ok = False
            result.problem = str(_l("the balance of account %(code)s is %(have)s fen, its lines say %(want)s",
                                    code=account.code, have=account.balance_fen,
                                    want=balances.get(account.id, 0)))
            return result
    for sub in subs.values():
        if sub.balance_fen != sub_balances.get(sub.id, 0):
            result.ok = False
            result.problem = str(_l("the balance of the restricted fund %(purpose)s is %(have)s fen, "
                                    "its lines say %(want)s", purpose=chart.PURPOSE_NAMES[sub.purpose],
                                    have=sub.balance_fen, want=sub_balances.get(sub.id, 0)))
            return result
    return result
