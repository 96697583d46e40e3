"""Income and spending: donations (with their receipt numbers), charity sales, paying
expenses and the opening balance, each recorded and posted through
:func:`charity.fund.ledger.post_entry` under the ledger lock. Services flush; the caller
commits."""



import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.audit.services import record
from charity.extensions import db
from charity.fund import chart
from charity.fund.errors import InvalidPosting, PeriodClosed, ReservedAccount, RestrictionViolation
from charity.fund.ledger import MAX_AMOUNT_FEN, Line, closed_period, find_by_key, lock_head, post_entry
from charity.fund.models import Donation, PaymentMethod, Purpose, ReferenceType, Sale, SubFund


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
    money pays. The accounts of :data:`charity.fund.chart.RESERVED` are refused: grants
    post through :mod:`charity.fund.api`."""
    _check_amount(amount_fen)
    if expense_account in chart.RESERVED:
        raise ReservedAccount(_l("%(account)s cannot be paid here: %(why)s.",
                                 account=chart.account_name(expense_account),
                                 why=chart.RESERVED[expense_account]))
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
