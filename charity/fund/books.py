"""The books an auditor signs, computed from the journal lines: the trial balance
(科目余额表) and the three statements of 民间非营利组织会计制度 — the balance sheet
(资产负债表, 会民非01表), the statement of activities (业务活动表, 会民非02表) and the
cash-flow statement (现金流量表, 会民非03表).

Every figure is an aggregate of journal lines (integer fen), never a cached balance, so
the statements can be checked against the ledger and against each other:

- 资产 = 负债 + 净资产, at the start of the year and at the period's end;
- the balance sheet's change in net assets (期末 − 年初) equals the statement of
  activities' 净资产变动额 for the year to date, column by column (非限定性, 限定性);
- the cash-flow statement's 现金净增加额 for the year to date equals the change in
  货币资金 (cash on hand and in the bank).

Opening entries (建账, reference type ``opening``) are balances brought in, not income:
they are left out of the statement of activities and the cash flows and counted in the
balance sheet's 年初数 when they fall in the year. Restricted net assets (限定性) are the
restricted income credited to a sub-fund, less what spending released, plus restricted
net assets brought in on account 3102. :mod:`charity.fund.books_pdf` and
:mod:`charity.fund.books_xlsx` print what this module computes.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.extensions import db
from charity.fund import chart
from charity.fund.errors import InvalidPosting
from charity.fund.models import AccountKind, FundAccount, JournalEntry, JournalLine, ReferenceType, SubFund
from charity.fund.statement import parse_period, volunteer_services_in

CASH_CODES = (chart.CASH, chart.BANK)
RESTRICTED_NET_ASSETS = "3102"
UNRESTRICTED_NET_ASSETS = "3101"


# --- periods ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportPeriod:
    """What a statement covers. ``first``..``last`` is the period asked for (a month, a
    quarter or a year); the year to date runs from 1 January to ``last``."""

    text: str
    first: date
    last: date

    @property
    def is_year(self):
        return self.first.month == 1 and self.first.day == 1 and self.last.month == 12 and self.last.day == 31

    @property
    def year_start(self):
        return date(self.last.year, 1, 1)

    @property
    def previous_year(self):
        """The whole year before, for the year statements' 上年数 column."""
        return date(self.last.year - 1, 1, 1), date(self.last.year - 1, 12, 31)

    @property
    def label(self):
        if self.is_year:
            return str(_l("Year %(year)s", year=self.last.year))
        if self.first.month == self.last.month:
            return str(_l("%(year)s-%(month)02d", year=self.last.year, month=self.last.month))
        return str(_l("%(year)s Q%(quarter)s", year=self.last.year, quarter=(self.last.month + 2) // 3))


def report_period(text) -> ReportPeriod:
    """``2026`` | ``2026-Q1`` | ``2026-03`` -> the period. The statements cover calendar
    periods only (a year to date must start on 1 January).

    :raises InvalidPosting: anything else."""
    first, last = parse_period(text)
    return ReportPeriod(text.strip(), first, last)


# --- aggregates of journal lines -------------------------------------------------------

def _kinds(community):
    rows = db.session.execute(sa.select(FundAccount.code, FundAccount.kind)
                              .where(FundAccount.community_id == community.id)).all()
    kinds = dict(chart.KINDS)
    kinds.update({code: AccountKind(kind) for code, kind in rows})
    return kinds


def _line_sums(community, *conditions, columns=()):
    """``{(code, restricted[, extra…]): (debits, credits)}`` of the lines matching the
    conditions: debits the sum of positive amounts, credits of negative ones as a positive
    number. Ints (PostgreSQL sums BIGINT to NUMERIC)."""
    E, L, A = JournalEntry, JournalLine, FundAccount
    restricted = L.subfund_id.is_not(None)
    debit = sa.func.coalesce(sa.func.sum(sa.case((L.amount_fen > 0, L.amount_fen), else_=0)), 0)
    credit = sa.func.coalesce(sa.func.sum(sa.case((L.amount_fen < 0, -L.amount_fen), else_=0)), 0)
    stmt = (sa.select(A.code, restricted, *columns, debit, credit)
            .join(E, E.id == L.entry_id).join(A, A.id == L.account_id)
            .where(E.community_id == community.id, *conditions)
            .group_by(A.code, restricted, *columns))
    out = {}
    for row in db.session.execute(stmt):
        *key, d, c = row
        out[tuple(key[:1] + [bool(key[1])] + key[2:])] = (int(d), int(c))
    return out


def _is_opening():
    """Opening entries (建账) and the reversals of them: corrections of what was brought in."""
    opening = sa.select(JournalEntry.id).where(JournalEntry.reference_type == ReferenceType.opening)
    return sa.or_(JournalEntry.reference_type == ReferenceType.opening,
                  sa.and_(JournalEntry.reference_type == ReferenceType.reversal,
                          JournalEntry.reverses_id.in_(opening.scalar_subquery())))


@dataclass
class Position:
    """Balances at one moment, debit-positive per account, and the restricted part of
    the net assets (credit-positive)."""

    balances: dict
    restricted: int
    kinds: dict

    def of(self, *codes):
        return sum(self.balances.get(c, 0) for c in codes)

    def natural(self, code):
        """An account's balance in its own direction (credit-normal accounts positive)."""
        value = self.balances.get(code, 0)
        return value if self.kinds.get(code) in (AccountKind.asset, AccountKind.expense) else -value

    @property
    def assets(self):
        return sum(v for c, v in self.balances.items() if self.kinds.get(c) == AccountKind.asset)

    @property
    def liabilities(self):
        return 0  # the chart has no liability accounts yet

    @property
    def net_assets(self):
        """Everything credited but not held as an asset or owed: net-asset accounts plus
        the income less the expenses posted so far (no year-end closing entries)."""
        return -sum(v for c, v in self.balances.items() if self.kinds.get(c) != AccountKind.asset)

    @property
    def unrestricted(self):
        return self.net_assets - self.restricted


def _position(community, kinds, condition) -> Position:
    sums = _line_sums(community, condition)
    balances = defaultdict(int)
    restricted = 0
    for (code, is_restricted), (debit, credit) in sums.items():
        balances[code] += debit - credit
        if is_restricted or code == RESTRICTED_NET_ASSETS:
            restricted += credit - debit
    return Position(dict(balances), restricted, kinds)


def position_at_end(community, last: date, kinds=None) -> Position:
    """Balances after every entry dated on or before ``last``."""
    return _position(community, kinds or _kinds(community), JournalEntry.value_date <= last)


def position_at_start(community, first: date, last: date, kinds=None) -> Position:
    """Balances before ``first``, with the opening entries (建账) dated from ``first``
    to ``last`` counted as already there: a community that starts its books in the
    middle of a year shows what it brought in as its 年初数."""
    condition = sa.or_(JournalEntry.value_date < first,
                       sa.and_(_is_opening(), JournalEntry.value_date <= last))
    return _position(community, kinds or _kinds(community), condition)


# --- trial balance (科目余额表) -----------------------------------------------------------

@dataclass
class TrialRow:
    code: str
    name: str
    kind: AccountKind
    opening: int  # debit-positive
    debit: int
    credit: int
    is_header: bool = False
    level: int = 1

    @property
    def closing(self):
        return self.opening + self.debit - self.credit


@dataclass
class TrialBalance:
    community_name: str
    first: date
    last: date
    rows: list  # [TrialRow] in chart order, headers followed by their children

    @property
    def postable(self):
        return [r for r in self.rows if not r.is_header]

    def total(self, attr):
        return sum(getattr(r, attr) for r in self.postable)

    @property
    def opening_debit(self):
        return sum(r.opening for r in self.postable if r.opening > 0)

    @property
    def opening_credit(self):
        return -sum(r.opening for r in self.postable if r.opening < 0)

    @property
    def closing_debit(self):
        return sum(r.closing for r in self.postable if r.closing > 0)

    @property
    def closing_credit(self):
        return -sum(r.closing for r in self.postable if r.closing < 0)

    @property
    def balanced(self):
        return (self.opening_debit == self.opening_credit and self.total("debit") == self.total("credit")
                and self.closing_debit == self.closing_credit)


def trial_balance(community, first: date, last: date) -> TrialBalance:
    """期初余额, 本期借方, 本期贷方 and 期末余额 of every account of the chart (and any
    other account the community has), from the journal lines."""
    if first > last:
        raise InvalidPosting(_l("The start date must come before the end date."))
    kinds = _kinds(community)
    before = _line_sums(community, JournalEntry.value_date < first)
    during = _line_sums(community, JournalEntry.value_date >= first, JournalEntry.value_date <= last)
    opening, debit, credit = defaultdict(int), defaultdict(int), defaultdict(int)
    for (code, _r), (d, c) in before.items():
        opening[code] += d - c
    for (code, _r), (d, c) in during.items():
        debit[code] += d
        credit[code] += c
    parents = {code: parent for code, _k, parent, _n in chart.CHART}
    codes = [code for code, *_rest in chart.CHART]
    codes += sorted(set(kinds) - set(codes))
    rows = []
    for code in codes:
        if code in chart.HEADERS:
            children = [c for c in codes if parents.get(c) == code]
            rows.append(TrialRow(code, str(chart.account_name(code)), kinds[code],
                                 sum(opening[c] for c in children), sum(debit[c] for c in children),
                                 sum(credit[c] for c in children), is_header=True))
        else:
            rows.append(TrialRow(code, str(chart.account_name(code)), kinds[code], opening[code],
                                 debit[code], credit[code], level=2 if parents.get(code) else 1))
    return TrialBalance(community.name, first, last, rows)


# --- the three statements --------------------------------------------------------------

@dataclass
class Line:
    """One printed line of a statement: its label, 行次 and figures (fen) per column.
    ``values`` is a tuple in the statement's column order; ``None`` prints blank."""

    label: str
    row: int | None
    values: tuple
    level: int = 1
    total: bool = False


# 资产负债表 (会民非01表): (行次, label, asset codes). Lines no account of the chart feeds
# print 0.00, as the form asks.
ASSET_LINES = [
    (None, _l("Current assets:"), None),
    (1, _l("Cash and bank deposits"), CASH_CODES),
    (2, _l("Short-term investments"), ()),
    (3, _l("Receivables (including grant advances held by teams)"), (chart.GRANT_ADVANCES,)),
    (4, _l("Prepayments"), ()),
    (8, _l("Inventories"), ()),
    (9, _l("Deferred expenses"), ()),
    (15, _l("Long-term debt investments due within one year"), ()),
    (18, _l("Other current assets"), None),  # any asset account not named above
    (20, _l("Total current assets"), "current"),
    (None, _l("Long-term investments:"), None),
    (21, _l("Long-term equity investments"), ()),
    (24, _l("Long-term debt investments"), ()),
    (30, _l("Total long-term investments"), ()),
    (None, _l("Fixed assets:"), None),
    (31, _l("Fixed assets at cost"), ()),
    (32, _l("Less: accumulated depreciation"), ()),
    (33, _l("Fixed assets, net"), ()),
    (34, _l("Construction in progress"), ()),
    (35, _l("Cultural relics and heritage assets"), ()),
    (38, _l("Fixed assets in disposal"), ()),
    (40, _l("Total fixed assets"), ()),
    (None, _l("Intangible assets:"), None),
    (41, _l("Intangible assets"), ()),
    (None, _l("Assets held as agent:"), None),
    (51, _l("Assets held as agent"), ()),
    (60, _l("Total assets"), "total"),
]

LIABILITY_LINES = [
    (None, _l("Current liabilities:"), None),
    (61, _l("Short-term borrowings"), ()),
    (62, _l("Payables"), ()),
    (63, _l("Wages payable"), ()),
    (65, _l("Taxes payable"), ()),
    (66, _l("Receipts in advance"), ()),
    (71, _l("Accrued expenses"), ()),
    (72, _l("Provisions"), ()),
    (74, _l("Long-term liabilities due within one year"), ()),
    (78, _l("Other current liabilities"), ()),
    (80, _l("Total current liabilities"), ()),
    (None, _l("Long-term liabilities:"), None),
    (81, _l("Long-term borrowings"), ()),
    (84, _l("Long-term payables"), ()),
    (88, _l("Other long-term liabilities"), ()),
    (90, _l("Total long-term liabilities"), ()),
    (None, _l("Liabilities held as agent:"), None),
    (91, _l("Liabilities held as agent"), ()),
    (100, _l("Total liabilities"), "liabilities"),
    (None, _l("Net assets:"), None),
    (101, _l("Unrestricted net assets"), "unrestricted"),
    (105, _l("Restricted net assets"), "restricted"),
    (110, _l("Total net assets"), "net"),
    (120, _l("Total liabilities and net assets"), "both"),
]

TOTAL_ROWS = {20, 30, 40, 60, 80, 90, 100, 110, 120}


@dataclass
class BalanceSheet:
    start: Position
    end: Position
    assets: list  # [Line] with values (年初数, 期末数)
    liabilities: list

    @property
    def cash_start(self):
        return self.start.of(*CASH_CODES)

    @property
    def cash_end(self):
        return self.end.of(*CASH_CODES)


def _asset_line_value(position, codes, named):
    if codes == "current" or codes == "total":
        return position.assets
    if codes is None:
        return position.assets - sum(position.balances.get(c, 0) for c in named)
    return position.of(*codes)


def balance_sheet(start: Position, end: Position) -> BalanceSheet:
    named = {c for _r, _l, codes in ASSET_LINES if isinstance(codes, tuple) for c in codes}
    assets = []
    for row, label, codes in ASSET_LINES:
        if row is None:
            assets.append(Line(str(label), None, (None, None), level=0))
            continue
        values = tuple(_asset_line_value(p, codes, named) for p in (start, end))
        assets.append(Line(str(label), row, values, total=row in TOTAL_ROWS))
    liabilities = []
    pick = {
        "liabilities": lambda p: p.liabilities,
        "unrestricted": lambda p: p.unrestricted,
        "restricted": lambda p: p.restricted,
        "net": lambda p: p.net_assets,
        "both": lambda p: p.liabilities + p.net_assets,
    }
    for row, label, key in LIABILITY_LINES:
        if row is None:
            liabilities.append(Line(str(label), None, (None, None), level=0))
            continue
        values = tuple(pick[key](p) if isinstance(key, str) else 0 for p in (start, end))
        liabilities.append(Line(str(label), row, values, total=row in TOTAL_ROWS))
    return BalanceSheet(start, end, assets, liabilities)


# 业务活动表 (会民非02表): income lines by account.
INCOME_LINES = [
    (1, _l("Donation income"), (chart.DONATIONS,)),
    (2, _l("Membership dues income"), (chart.DUES,)),
    (3, _l("Service income"), (chart.SERVICE_INCOME,)),
    (4, _l("Sales income"), (chart.SALES,)),
    (5, _l("Government grant income"), (chart.GRANTS_RECEIVED,)),
    (6, _l("Investment income"), (chart.INVESTMENT_INCOME,)),
    (9, _l("Other income"), None),  # any income account not named above
]
EXPENSE_LINES = [
    (12, _l("(1) Programme costs"), ("5101",)),
    (21, _l("(2) Administration expenses"), ("5201",)),
    (24, _l("(3) Fundraising expenses"), ("5301",)),
    (28, _l("(4) Other expenses"), None),  # any expense account not named above
]


@dataclass
class Activity:
    """Income, expenses and the release of restrictions over a span, opening entries left
    out. ``income`` and ``expenses`` map a code to (unrestricted, restricted)."""

    income: dict
    expenses: dict
    released: int  # restricted net assets released to unrestricted (spending and reclassification)

    def _sum(self, table, codes, column):
        return sum(v[column] for c, v in table.items() if codes is None or c in codes)

    def income_total(self, column):
        return self._sum(self.income, None, column)

    def expense_total(self, column):
        return self._sum(self.expenses, None, column)

    @property
    def change_unrestricted(self):
        return self.income_total(0) - self.expense_total(0) - self.expense_total(1) + self.released

    @property
    def change_restricted(self):
        return self.income_total(1) - self.released

    @property
    def change(self):
        return self.change_unrestricted + self.change_restricted


def activity(community, first: date, last: date, kinds=None) -> Activity:
    kinds = kinds or _kinds(community)
    sums = _line_sums(community, JournalEntry.value_date >= first, JournalEntry.value_date <= last,
                      sa.not_(_is_opening()))
    income = defaultdict(lambda: [0, 0])
    expenses = defaultdict(lambda: [0, 0])
    released = 0
    for (code, restricted), (debit, credit) in sums.items():
        kind = kinds.get(code)
        if kind == AccountKind.income:
            income[code][1 if restricted else 0] += credit - debit
        elif kind == AccountKind.expense:
            # Expenses are unrestricted by nature: the restricted part is released first.
            expenses[code][0] += debit - credit
            if restricted:
                released += debit - credit
        elif code == RESTRICTED_NET_ASSETS:
            released += debit - credit  # a reclassification out of restricted net assets
    return Activity({c: tuple(v) for c, v in income.items()}, {c: tuple(v) for c, v in expenses.items()},
                    released)


def _activity_lines(act: Activity):
    """The lines of 业务活动表 for one span: (unrestricted, restricted, total) each."""
    named_income = {c for _r, _l, codes in INCOME_LINES if codes for c in codes}
    named_expense = {c for _r, _l, codes in EXPENSE_LINES if codes for c in codes}

    def income_of(codes, column):
        if codes is None:
            return sum(v[column] for c, v in act.income.items() if c not in named_income)
        return sum(v[column] for c, v in act.income.items() if c in codes)

    def expense_of(codes):
        def belongs(code):
            if codes is None:
                return code not in named_expense and not any(code.startswith(n) for n in named_expense)
            return any(code == n or code.startswith(n) for n in codes)
        return sum(v[0] for c, v in act.expenses.items() if belongs(c))

    lines = [Line(str(_l("I. Income")), None, (None, None, None), level=0)]
    for row, label, codes in INCOME_LINES:
        u, r = income_of(codes, 0), income_of(codes, 1)
        lines.append(Line(str(label), row, (u, r, u + r)))
    u, r = act.income_total(0), act.income_total(1)
    lines.append(Line(str(_l("Total income")), 11, (u, r, u + r), total=True))
    lines.append(Line(str(_l("II. Expenses")), None, (None, None, None), level=0))
    for row, label, codes in EXPENSE_LINES:
        amount = expense_of(codes)
        lines.append(Line(str(label), row, (amount, 0, amount)))
    spent = act.expense_total(0)
    lines.append(Line(str(_l("Total expenses")), 35, (spent, 0, spent), total=True))
    lines.append(Line(str(_l("III. Restricted net assets released to unrestricted")), 40,
                      (act.released, -act.released, 0), level=0))
    lines.append(Line(str(_l("IV. Change in net assets (a decrease with a minus sign)")), 45,
                      (act.change_unrestricted, act.change_restricted, act.change), level=0, total=True))
    return lines


# 现金流量表 (会民非03表): where the cash came from and went, by counter-account.
#: (section, 行次, label, direction) — direction +1 an inflow line, -1 an outflow line.
CASH_FLOW_LINES = [
    ("operating", 1, _l("Cash received from donations"), 1),
    ("operating", 2, _l("Cash received from membership dues"), 1),
    ("operating", 3, _l("Cash received from services provided"), 1),
    ("operating", 4, _l("Cash received from sales of goods"), 1),
    ("operating", 5, _l("Cash received from government grants"), 1),
    ("operating", 8, _l("Other cash received from operating activities"), 1),
    ("operating", 13, _l("Cash paid as donations and grants"), -1),
    ("operating", 14, _l("Cash paid to and for employees"), -1),
    ("operating", 15, _l("Cash paid for goods and services"), -1),
    ("operating", 16, _l("Other cash paid for operating activities"), -1),
    ("investing", 21, _l("Cash received from disposal of investments"), 1),
    ("investing", 22, _l("Cash received from investment income"), 1),
    ("investing", 23, _l("Net cash received from disposal of fixed and intangible assets"), 1),
    ("investing", 29, _l("Cash paid for fixed and intangible assets"), -1),
    ("investing", 30, _l("Cash paid for investments"), -1),
    ("financing", 41, _l("Cash received from borrowings"), 1),
    ("financing", 42, _l("Other cash received from financing activities"), 1),
    ("financing", 46, _l("Cash repaid on borrowings"), -1),
    ("financing", 47, _l("Cash paid for interest"), -1),
    ("financing", 48, _l("Other cash paid for financing activities"), -1),
]

#: Counter-account -> 行次 of the line its cash goes to.
CASH_FLOW_OF = {
    chart.DONATIONS: 1,
    chart.DUES: 2,
    chart.SERVICE_INCOME: 3,
    chart.SALES: 4,
    chart.GRANTS_RECEIVED: 5,
    chart.INVESTMENT_INCOME: 22,
    chart.GRANT_ADVANCES: 13,  # tranches paid to teams (refunds of advances: row 8)
    chart.MICRO_VENTURE: 13,
    chart.ACTIVITY_COSTS: 15,
    "5201": 15,
    "5301": 15,
    "5401": 16,
    UNRESTRICTED_NET_ASSETS: 42,
    RESTRICTED_NET_ASSETS: 42,
}
_FALLBACK_FLOW = {AccountKind.income: 8, AccountKind.expense: 16, AccountKind.asset: 16,
                  AccountKind.net_asset: 42}
SECTIONS = [
    ("operating", _l("I. Cash flows from operating activities"),
     _l("Net cash from operating activities"), 20),
    ("investing", _l("II. Cash flows from investing activities"),
     _l("Net cash from investing activities"), 40),
    ("financing", _l("III. Cash flows from financing activities"),
     _l("Net cash from financing activities"), 50),
]


@dataclass
class CashFlows:
    """Cash moved over a span, opening entries left out: ``by_row`` maps a 行次 to the
    cash that came in (positive) or went out (negative) through it."""

    by_row: dict = field(default_factory=dict)

    def section(self, name, direction=None):
        return sum(v for row, v in self.by_row.items()
                   for s, r, _lbl, d in CASH_FLOW_LINES
                   if r == row and s == name and (direction is None or d == direction))

    @property
    def net(self):
        return sum(self.by_row.values())


def cash_flows(community, first: date, last: date, kinds=None) -> CashFlows:
    """Each entry that moved cash or bank money, by its other lines: a line of ``amount``
    on a counter-account brought ``-amount`` of cash through that account's flow line.
    Transfers between the cash box and the bank move no cash in total and show nowhere."""
    kinds = kinds or _kinds(community)
    E, L, A = JournalEntry, JournalLine, FundAccount
    cash_line = sa.select(L.entry_id).join(A, A.id == L.account_id).where(A.code.in_(CASH_CODES))
    credit = sa.case((L.amount_fen < 0, True), else_=False)
    stmt = (sa.select(A.code, credit, sa.func.sum(L.amount_fen))
            .join(E, E.id == L.entry_id).join(A, A.id == L.account_id)
            .where(E.community_id == community.id, E.value_date >= first, E.value_date <= last,
                   sa.not_(_is_opening()), A.code.not_in(CASH_CODES), L.entry_id.in_(cash_line))
            .group_by(A.code, credit))
    by_row = defaultdict(int)
    for code, is_credit, total in db.session.execute(stmt):
        if code == chart.GRANT_ADVANCES and is_credit:
            row = 8  # a team returning an unspent advance: cash received, not a negative grant
        else:
            row = CASH_FLOW_OF.get(code) or _FALLBACK_FLOW.get(kinds.get(code), 16)
        by_row[row] += -int(total)
    return CashFlows(dict(by_row))


def _cash_flow_lines(flows: CashFlows):
    """The lines of 现金流量表 for one span, each a single figure (outflows positive)."""
    lines = []
    for name, title, net_label, net_row in SECTIONS:
        lines.append(Line(str(title), None, (None,), level=0))
        for direction, subtotal_row, subtotal_label in ((1, None, _l("Cash inflows, subtotal")),
                                                         (-1, None, _l("Cash outflows, subtotal"))):
            for section, row, label, d in CASH_FLOW_LINES:
                if section == name and d == direction:
                    lines.append(Line(str(label), row, (d * flows.by_row.get(row, 0),)))
            lines.append(Line(str(subtotal_label), subtotal_row,
                              (direction * flows.section(name, direction),), total=True))
        lines.append(Line(str(net_label), net_row, (flows.section(name),), total=True))
    lines.append(Line(str(_l("IV. Effect of exchange-rate changes on cash")), 60, (0,), level=0))
    lines.append(Line(str(_l("V. Net increase in cash and cash equivalents")), 61, (flows.net,),
                      level=0, total=True))
    return lines


@dataclass
class FinancialStatements:
    """The three statements of one period, the columns each prints, and the figures the
    notes need. Figures are fen."""

    community_name: str
    period: ReportPeriod
    sheet: BalanceSheet
    #: (column titles, [Line]) of 业务活动表: two spans of three columns each.
    activity_columns: tuple
    activity_lines: list
    activity_year: Activity
    cash_columns: tuple
    cash_lines: list
    cash_year: CashFlows
    subfunds: list = field(default_factory=list)  # [(purpose name, at start, income, released, at end)]
    notes: list = field(default_factory=list)  # [(title, [paragraph, ...])]

    def check(self):
        """The identities the statements must satisfy; a list of what fails (empty when
        they tie out)."""
        problems = []
        for when, p in (("start", self.sheet.start), ("end", self.sheet.end)):
            if p.assets != p.liabilities + p.net_assets:
                problems.append(f"assets {p.assets} != liabilities + net assets at the {when}")
        on_sheet = (self.sheet.end.unrestricted - self.sheet.start.unrestricted,
                    self.sheet.end.restricted - self.sheet.start.restricted)
        in_activities = (self.activity_year.change_unrestricted, self.activity_year.change_restricted)
        if on_sheet != in_activities:
            problems.append(f"net assets changed by {on_sheet} on the balance sheet, {in_activities} "
                            "in the statement of activities")
        if self.cash_year.net != self.sheet.cash_end - self.sheet.cash_start:
            problems.append(f"cash flows net {self.cash_year.net} != change in cash "
                            f"{self.sheet.cash_end - self.sheet.cash_start}")
        return problems


def _merge(first_lines, second_lines):
    """Two spans' lines side by side: one label, the values of both."""
    return [Line(a.label, a.row, a.values + b.values, level=a.level, total=a.total)
            for a, b in zip(first_lines, second_lines, strict=True)]


def _subfund_movements(community, start_day, last):
    """Per purpose: restricted balance at the start of the year, restricted income and
    release in the year to date, and the balance at the end."""
    E, L = JournalEntry, JournalLine

    def total(condition, value):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)

    during = E.value_date >= start_day
    stmt = (sa.select(SubFund.purpose, total(E.value_date < start_day, -L.amount_fen),
                      total(sa.and_(during, L.amount_fen < 0), -L.amount_fen),
                      total(sa.and_(during, L.amount_fen > 0), L.amount_fen))
            .join(L, L.subfund_id == SubFund.id).join(E, E.id == L.entry_id)
            .where(SubFund.community_id == community.id, E.value_date <= last)
            .group_by(SubFund.purpose).order_by(SubFund.purpose))
    return [(str(chart.PURPOSE_NAMES[p]), int(a), int(i), int(r), int(a) + int(i) - int(r))
            for p, a, i, r in db.session.execute(stmt)]


def financial_statements(community, period: ReportPeriod) -> FinancialStatements:
    """Every figure of the three statements of ``period``, with the notes to them (the
    donated volunteer services of the year to date among them)."""
    kinds = _kinds(community)
    year_start, last = period.year_start, period.last
    start = position_at_start(community, year_start, last, kinds)
    end = position_at_end(community, last, kinds)
    sheet = balance_sheet(start, end)
    year = activity(community, year_start, last, kinds)
    year_flows = cash_flows(community, year_start, last, kinds)
    if period.is_year:
        before = period.previous_year
        other = activity(community, *before, kinds)
        other_flows = cash_flows(community, *before, kinds)
        activity_columns = (str(_l("Previous year")), str(_l("This year")))
        act_lines = _merge(_activity_lines(other), _activity_lines(year))
        cash_lines = _merge(_cash_flow_lines(other_flows), _cash_flow_lines(year_flows))
    else:
        this = activity(community, period.first, last, kinds)
        this_flows = cash_flows(community, period.first, last, kinds)
        activity_columns = (str(_l("This period")), str(_l("Year to date")))
        act_lines = _merge(_activity_lines(this), _activity_lines(year))
        cash_lines = _merge(_cash_flow_lines(this_flows), _cash_flow_lines(year_flows))
    return FinancialStatements(
        community_name=community.name, period=period, sheet=sheet,
        activity_columns=activity_columns, activity_lines=act_lines, activity_year=year,
        cash_columns=activity_columns, cash_lines=cash_lines, cash_year=year_flows,
        subfunds=_subfund_movements(community, year_start, last),
        notes=_volunteer_note(community, year_start, last))


def _volunteer_note(community, first, last):
    """The donated-services note of the year to date, titled as a note of these statements."""
    note = volunteer_services_in(community, first, last)
    return [(str(_l("Donated volunteer services")), note[1])] if note else []
