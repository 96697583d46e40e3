"""The data of a fund statement (收支报表), a cash summary prepared from indexed
aggregates (never a scan of the whole ledger per request): the money held (货币资金: cash
on hand and in the bank, nothing else) at the start and the end, the cash that came in
and went out, the grant advances held by teams apart, totals per account in the range
(the statement of activities), and the entries of the range in date order with a running
cash balance. A tranche paid to a team is cash out; an approved expense claim moves no
cash and shows as settled against the team's advance. :mod:`charity.fund.pdf` draws it."""

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.extensions import db
from charity.formatting import money
from charity.fund import chart
from charity.fund.errors import InvalidPosting
from charity.fund.ledger import settings_for
from charity.fund.models import AccountKind, FundAccount, JournalEntry, JournalLine, LedgerHead, SubFund
from charity.models_base import local_zone, utcnow
from charity.projects import counts
from charity.reports import capital_yuan

_PERIOD = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(\d{1,2})))?$")


def parse_period(text):
    """``2026`` | ``2026-Q1`` | ``2026-03`` -> (first day, last day).

    :raises InvalidPosting: anything else.
    """
    match = _PERIOD.match((text or "").strip())
    if not match:
        raise InvalidPosting(_l("Give a period like 2026, 2026-Q1 or 2026-03."))
    year = int(match.group(1))
    if not 2000 <= year <= 2200:
        raise InvalidPosting(_l("Give a period like 2026, 2026-Q1 or 2026-03."))
    if match.group(2):
        q = int(match.group(2))
        first, last = 3 * q - 2, 3 * q
    elif match.group(3):
        first = last = int(match.group(3))
        if not 1 <= first <= 12:
            raise InvalidPosting(_l("Give a period like 2026, 2026-Q1 or 2026-03."))
    else:
        first, last = 1, 12
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def check_range(date_from, date_to):
    if date_from is None or date_to is None or date_from > date_to:
        raise InvalidPosting(_l("The start date must come before the end date."))
    if (date_to - date_from).days > 366 * 10:
        raise InvalidPosting(_l("A statement covers at most ten years."))
    return date_from, date_to


@dataclass
class Statement:
    community_name: str
    date_from: date
    date_to: date
    generated_at: datetime
    generated_by: str
    opening_fen: int  # cash and bank deposits (货币资金) at the start
    closing_fen: int
    cash_in_fen: int
    cash_out_fen: int
    advances_start_fen: int  # grant advances held by teams (1221), not money the fund holds
    advances_end_fen: int
    income: list  # [(code, name, unrestricted, restricted)]
    expenses: list  # [(code, name, amount)]
    by_project: list  # [(project or "", amount)]
    released_fen: int
    subfunds: list  # [(purpose name, balance at the end)]
    entries: list  # [(date, seq, memo, counter accounts, cash in, cash out, settled, running cash)]
    chain_seq: int | None
    chain_hash: str | None
    head_seq: int
    head_hash: str
    notes: list = field(default_factory=list)  # [(title, [paragraph, ...])]

    @property
    def income_total(self):
        return sum(u + r for _c, _n, u, r in self.income)

    @property
    def income_unrestricted(self):
        return sum(u for _c, _n, u, _r in self.income)

    @property
    def income_restricted(self):
        return sum(r for _c, _n, _u, r in self.income)

    @property
    def expense_total(self):
        return sum(a for _c, _n, a in self.expenses)

    def capital(self, fen):
        return capital_yuan(fen)


def _sum_lines(community, *conditions):
    E, L, A = JournalEntry, JournalLine, FundAccount
    stmt = (sa.select(A.code, (L.subfund_id.is_not(None)).label("restricted"), sa.func.sum(L.amount_fen))
            .join(E, E.id == L.entry_id).join(A, A.id == L.account_id)
            .where(E.community_id == community.id, *conditions)
            .group_by(A.code, L.subfund_id.is_not(None)))
    return db.session.execute(stmt).all()


def volunteer_services_in(community, date_from, date_to):
    """The donated-services note for verified activities that started in the period
    (days in the community's time zone), or None when there were none."""
    zone = local_zone()
    lower = datetime.combine(date_from, time(), zone)
    upper = datetime.combine(date_to + timedelta(days=1), time(), zone)
    served = counts.totals(community.id, lower, upper)
    if not served["activities"]:
        return None
    settings = settings_for(community)
    return volunteer_services_note(served["minutes"],
                                   settings.volunteer_hour_value_fen if settings else None)


def build_statement(community, date_from, date_to, *, generated_by, notes=None):
    """Every figure the statement prints, reconciled to the fen with the ledger, with the
    donated-services note when verified volunteer service falls in the period."""
    check_range(date_from, date_to)
    E, L, A = JournalEntry, JournalLine, FundAccount
    kinds = {code: kind for code, kind in db.session.execute(
        sa.select(A.code, A.kind).where(A.community_id == community.id))}
    cash_codes = (chart.CASH, chart.BANK)

    def balance_before(codes):
        # int(): PostgreSQL's SUM of a BIGINT is NUMERIC (a Decimal); money stays int.
        return int(db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(L.amount_fen), 0)).join(E, E.id == L.entry_id)
            .join(A, A.id == L.account_id)
            .where(E.community_id == community.id, E.value_date < date_from, A.code.in_(codes))) or 0)

    opening = balance_before(cash_codes)
    advances_start = balance_before([chart.GRANT_ADVANCES])
    in_range = (E.value_date >= date_from, E.value_date <= date_to)
    income = defaultdict(lambda: [0, 0])
    expenses = defaultdict(int)
    released = cash_change = advances_change = 0
    for code, restricted, total in _sum_lines(community, *in_range):
        total = int(total)
        kind = kinds[code]
        if kind == AccountKind.income:
            income[code][1 if restricted else 0] += -total
        elif kind == AccountKind.expense:
            expenses[code] += total
            if restricted:
                released += total
        elif code in cash_codes:
            cash_change += total
        elif kind == AccountKind.asset:
            advances_change += total
    by_project = sorted((project or "", int(total)) for project, total in db.session.execute(
        sa.select(E.project, sa.func.sum(L.amount_fen))
        .join(L, L.entry_id == E.id).join(A, A.id == L.account_id)
        .where(E.community_id == community.id, *in_range, A.kind == AccountKind.expense)
        .group_by(E.project)))
    subfunds = db.session.execute(
        sa.select(SubFund.purpose, sa.func.coalesce(sa.func.sum(-L.amount_fen), 0))
        .join(L, L.subfund_id == SubFund.id).join(E, E.id == L.entry_id)
        .where(SubFund.community_id == community.id, E.value_date <= date_to)
        .group_by(SubFund.purpose).order_by(SubFund.purpose)).all()

    # Entries of the range, one query, lines grouped in order.
    rows = db.session.execute(
        sa.select(E.id, E.value_date, E.seq, E.memo, A.code, A.kind, L.amount_fen)
        .join(L, L.entry_id == E.id).join(A, A.id == L.account_id)
        .where(E.community_id == community.id, *in_range)
        .order_by(E.value_date, E.seq, L.id).execution_options(yield_per=5000))
    entries = []
    running = opening
    current = None
    for entry_id, value_date, seq, memo, code, _kind, amount in rows:
        if current is None or current[0] != entry_id:
            if current is not None:
                running += current[4]
                entries.append(_entry_row(current, running))
            # [id, date, seq, memo, cash change, counter accounts, advance change]
            current = [entry_id, value_date, seq, memo, 0, [], 0]
        if code in cash_codes:
            current[4] += amount
        else:
            if code == chart.GRANT_ADVANCES:
                current[6] += amount
            if code not in current[5]:
                current[5].append(code)
    if current is not None:
        running += current[4]
        entries.append(_entry_row(current, running))

    chain = db.session.execute(
        sa.select(E.seq, E.hash).where(E.community_id == community.id, E.value_date <= date_to)
        .order_by(E.seq.desc()).limit(1)).first()
    head = db.session.scalar(sa.select(LedgerHead).where(LedgerHead.community_id == community.id))
    closing = opening + cash_change
    return Statement(
        community_name=community.name, date_from=date_from, date_to=date_to,
        generated_at=utcnow(), generated_by=generated_by, opening_fen=int(opening), closing_fen=int(closing),
        cash_in_fen=sum(row[4] for row in entries), cash_out_fen=sum(row[5] for row in entries),
        advances_start_fen=advances_start, advances_end_fen=advances_start + advances_change,
        income=[(c, chart.account_name(c), income[c][0], income[c][1]) for c in chart.INCOME_CODES],
        expenses=[(c, chart.account_name(c), expenses[c]) for c in chart.EXPENSE_CODES],
        by_project=[(p, int(a)) for p, a in by_project],
        released_fen=released,
        subfunds=[(chart.PURPOSE_NAMES[p], int(b)) for p, b in subfunds],
        entries=entries,
        chain_seq=chain[0] if chain else None, chain_hash=chain[1] if chain else None,
        head_seq=head.last_seq if head else 0, head_hash=head.last_hash if head else "0" * 64,
        notes=[note for note in [*(notes or []), volunteer_services_in(community, date_from, date_to)]
               if note is not None],
    )


def _entry_row(current, running):
    """An entry as the statement lists it: cash in and out, and what an entry that moves
    no cash settled against the teams' grant advances (an approved expense claim)."""
    _id, value_date, seq, memo, cash, codes, advance = current
    settled = -advance if cash == 0 and advance < 0 else 0
    return (value_date, seq, memo, "、".join(str(chart.account_name(c)) for c in codes),
            cash if cash > 0 else 0, -cash if cash < 0 else 0, settled, running)


def volunteer_services_note(minutes, value_per_hour_fen):
    """The donated-services note (服务捐赠): verified volunteer hours, and their value
    when the community sets one per hour (rounded to the fen), disclosed apart from cash."""
    hours = f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
    lines = [str(_l("Verified volunteer service in the period: %(hours)s hours.", hours=hours))]
    if value_per_hour_fen is not None:
        value = (minutes * value_per_hour_fen + 30) // 60
        lines.append(str(_l("At %(rate)s an hour as set by the community, worth %(value)s. "
                            "Donated services are disclosed here only: they are not income and "
                            "are not in any cash figure above.",
                            rate=money(value_per_hour_fen), value=money(value))))
    else:
        lines.append(str(_l("The community sets no value per hour, so hours only are disclosed. "
                            "Donated services are not income and are not in any cash figure above.")))
    return (str(_l("Note: donated volunteer services")), lines)
