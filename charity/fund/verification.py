"""Verifying the ledger: the hash chain and every maintained balance, recomputed."""


from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.extensions import db
from charity.fund import chart
from charity.fund.ledger import GENESIS, chain_hash, entry_payload
from charity.fund.models import FundAccount, JournalEntry, JournalLine, LedgerHead, SubFund


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
