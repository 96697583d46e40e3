"""The books an auditor signs: the three statements and the trial balance, recomputed
here from the journal lines in Python (not with the module's SQL), and tied out to each
other — on the demo and on random ledgers posted through the services."""

import io
import itertools
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from charity.accounts import services as account_services
from charity.accounts.models import Community
from charity.extensions import db
from charity.fund import api, books, chart, income_spending, ledger
from charity.fund.errors import FundError
from charity.fund.models import Donation, FundAccount, JournalEntry, Sale, SubFund
from tests.fund_helpers import community as community_named

_counter = itertools.count()
CASH = ("1001", "1002")


# --- an auditor's recomputation, line by line -------------------------------------------

def _lines(community):
    """(value date, reference type, code, amount, restricted) of every line, in Python."""
    entries = {e.id: e for e in db.session.scalars(sa.select(JournalEntry)
                                                   .where(JournalEntry.community_id == community.id))}

    def kind(entry):  # the reversal of an opening entry corrects the opening balance
        if entry.reverses_id is not None and str(entries[entry.reverses_id].reference_type) == "opening":
            return "opening"
        return str(entry.reference_type)

    return [(entries[line.entry_id].value_date, kind(entries[line.entry_id]), line.account.code, line.amount_fen,
             line.subfund_id is not None, line.entry_id)
            for entry in entries.values() for line in entry.lines]


def _balances(lines, include):
    out = defaultdict(int)
    for d, t, code, amount, _r, _e in lines:
        if include(d, t):
            out[code] += amount
    return out


def _expected(community, period):
    """The figures the statements must print, from first principles."""
    lines = _lines(community)
    year_start, last = period.year_start, period.last
    at_start = _balances(lines, lambda d, t: d < year_start or (t == "opening" and d <= last))
    at_end = _balances(lines, lambda d, t: d <= last)
    ytd = [ln for ln in lines if year_start <= ln[0] <= last and ln[1] != "opening"]
    income = sum(-a for _d, _t, c, a, _r, _e in ytd if chart.KINDS.get(c) == "income")
    restricted_income = sum(-a for _d, _t, c, a, r, _e in ytd if r and chart.KINDS.get(c) == "income")
    expenses = sum(a for _d, _t, c, a, _r, _e in ytd if chart.KINDS.get(c) == "expense")
    released = sum(a for _d, _t, c, a, r, _e in ytd if r and chart.KINDS.get(c) == "expense")
    cash_entries = {e for _d, _t, c, _a, _r, e in ytd if c in CASH}
    cash_moved = sum(a for _d, _t, c, a, _r, e in ytd if c in CASH and e in cash_entries)
    return {
        "cash_start": sum(at_start[c] for c in CASH), "cash_end": sum(at_end[c] for c in CASH),
        "advances_end": at_end["1221"],
        "income": income, "restricted_income": restricted_income, "expenses": expenses, "released": released,
        "cash_moved": cash_moved,
        "assets_end": sum(v for c, v in at_end.items() if chart.KINDS.get(c) == "asset"),
    }


def _assert_statements(community, text):
    period = books.report_period(text)
    data = books.financial_statements(community, period)
    assert data.check() == []
    want = _expected(community, period)
    sheet = data.sheet
    assert (sheet.cash_start, sheet.cash_end) == (want["cash_start"], want["cash_end"])
    assert sheet.end.of("1221") == want["advances_end"]
    assert sheet.end.assets == want["assets_end"] == sheet.end.net_assets + sheet.end.liabilities
    year = data.activity_year
    assert year.income_total(0) + year.income_total(1) == want["income"]
    assert year.income_total(1) == want["restricted_income"]
    assert year.expense_total(0) == want["expenses"]
    assert year.released == want["released"]
    assert year.change == want["income"] - want["expenses"]
    assert data.cash_year.net == want["cash_moved"] == want["cash_end"] - want["cash_start"]
    # The printed lines say the same as the figures: totals, the net change, the cash increase.
    by_row = {line.row: line.values for line in data.activity_lines if line.row}
    assert by_row[11][3:] == (year.income_total(0), year.income_total(1), want["income"])
    assert by_row[35][5] == want["expenses"]
    assert by_row[45][3:] == (year.change_unrestricted, year.change_restricted, year.change)
    cash_rows = {line.row: line.values for line in data.cash_lines if line.row}
    assert cash_rows[61][1] == want["cash_end"] - want["cash_start"]
    assert cash_rows[20][1] + cash_rows[40][1] + cash_rows[50][1] == cash_rows[61][1]
    balance = {line.row: line.values for line in sheet.assets + sheet.liabilities if line.row}
    assert balance[1] == (want["cash_start"], want["cash_end"])
    assert balance[60] == balance[120]
    assert balance[110][1] - balance[110][0] == year.change
    return data


# --- the demo ---------------------------------------------------------------------------

def test_the_demo_statements_tie_out_and_hold_the_grant_advances(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        dongyi = community_named()
        for text in ("2026", "2026-Q1", "2026-Q4", "2026-11", "2026-12", "2025"):
            _assert_statements(dongyi, text)
        data = books.financial_statements(dongyi, books.report_period("2026"))
        sheet = data.sheet
        # Money held (货币资金) is cash and bank only; the advances held by teams are receivables.
        assert sheet.cash_end == api.account_balance(dongyi, "1001") + api.account_balance(dongyi, "1002")
        assert sheet.end.of("1221") == api.account_balance(dongyi, "1221") > 0
        receivables = next(line for line in sheet.assets if line.row == 3)
        assert receivables.values[1] == api.account_balance(dongyi, "1221")
        # Income recomputed from the donation and sale records, not from the ledger.
        donations = db.session.scalars(sa.select(Donation).where(Donation.community_id == dongyi.id)).all()
        sales = db.session.scalars(sa.select(Sale).where(Sale.community_id == dongyi.id)).all()
        in_2026 = [d for d in donations if d.received_on.year == 2026]
        by_row = {line.row: line.values for line in data.activity_lines if line.row}
        assert by_row[1][5] == sum(d.amount_fen for d in in_2026)
        assert by_row[1][4] == sum(d.amount_fen for d in in_2026 if d.subfund_id)
        assert by_row[4][5] == sum(s.amount_fen for s in sales if s.sold_on.year == 2026)
        # Restricted net assets at the end are what the sub-funds hold.
        subfunds = db.session.scalars(sa.select(SubFund).where(SubFund.community_id == dongyi.id)).all()
        assert sheet.end.restricted == sum(s.balance_fen for s in subfunds)
        assert [row[4] for row in data.subfunds] == [s.balance_fen for s in sorted(subfunds,
                                                                                     key=lambda s: s.purpose)]
        # The income lines include 会费收入 and 提供服务收入 (rows 2 and 3), as the form has them.
        assert {2, 3} <= set(by_row)
        # Every account's closing balance in the trial balance is the ledger's balance.
        trial = books.trial_balance(dongyi, date(2020, 1, 1), date(2030, 12, 31))
        assert trial.balanced
        cached = {a.code: a.balance_fen for a in db.session.scalars(
            sa.select(FundAccount).where(FundAccount.community_id == dongyi.id))}
        for row in trial.postable:
            assert row.closing == cached.get(row.code, 0), row.code
        header = next(r for r in trial.rows if r.code == "5101")
        assert header.closing == cached["510101"] + cached["510102"]


# --- random ledgers ---------------------------------------------------------------------

amounts = st.integers(min_value=1, max_value=3_000_00)
days = st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 3, 31))
purposes = st.sampled_from([None, "elderly", "children"])
operation = st.one_of(
    st.tuples(st.just("donation"), amounts, days, st.sampled_from(["cash", "bank"]), purposes),
    st.tuples(st.just("sale"), amounts, days, st.sampled_from(["cash", "bank"]), st.none()),
    st.tuples(st.just("expense"), amounts, days, st.sampled_from(chart.EXPENSE_CODES), purposes),
    st.tuples(st.just("tranche"), amounts, days, st.none(), st.none()),
    st.tuples(st.just("claim"), amounts, days, st.none(), st.none()),
    st.tuples(st.just("refund"), amounts, days, st.none(), st.none()),
    st.tuples(st.just("reverse"), st.integers(0, 30), days, st.none(), st.none()),
)


def _post(community, kind, amount, day, choice, purpose):
    if kind == "donation":
        income_spending.record_donation(community, amount_fen=amount, received_on=day, method=choice,
                                        restriction=purpose)
    elif kind == "sale":
        income_spending.record_sale(community, event="义卖", items="", amount_fen=amount, sold_on=day, method=choice)
    elif kind == "expense":
        income_spending.pay_expense(community, amount_fen=amount, paid_on=day, expense_account=choice, memo="支出",
                                    purpose=purpose, restricted=purpose is not None, method="bank")
    elif kind == "reverse":
        entries = db.session.scalars(sa.select(JournalEntry).where(
            JournalEntry.community_id == community.id, JournalEntry.reverses_id.is_(None))
            .order_by(JournalEntry.seq)).all()
        if entries:
            ledger.reverse_entry(community, entries[amount % len(entries)], value_date=day)
    else:
        lines = {
            "tranche": [api.Line(api.GRANT_ADVANCES, amount), api.Line("1002", -amount)],
            "claim": [api.Line(api.MICRO_VENTURE, amount), api.Line(api.GRANT_ADVANCES, -amount)],
            "refund": [api.Line("1002", amount), api.Line(api.GRANT_ADVANCES, -amount)],
        }[kind]
        reference = api.ReferenceType.expense_claim if kind == "claim" else api.ReferenceType.grant_tranche
        with api.posting(community) as books_lock:
            books_lock.post(value_date=day, memo=kind, reference_type=reference, reference_id="G1", lines=lines)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(opening=st.integers(0, 2_000_00), opening_day=st.sampled_from([date(2025, 12, 31), date(2026, 1, 1),
                                                                        date(2026, 4, 1)]),
       ops=st.lists(operation, min_size=1, max_size=14))
def test_statements_of_any_ledger_tie_out(app, opening, opening_day, ops):
    with app.app_context():
        community = account_services.create_community(name="测试社区", slug=f"books-{next(_counter)}")
        db.session.commit()
        if opening:
            income_spending.post_opening_balance(community, amount_fen=opening, value_date=opening_day)
            db.session.commit()
        for op in ops:
            try:
                _post(community, *op)
            except FundError:
                db.session.rollback()
                continue
            db.session.commit()
        for text in ("2025", "2026", "2026-Q1", "2026-Q2", "2026-04", "2026-12", "2027", "2027-Q1"):
            _assert_statements(community, text)
        trial = books.trial_balance(community, date(2026, 1, 1), date(2026, 12, 31))
        assert trial.balanced


# --- files and pages --------------------------------------------------------------------

def _pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    return reader, "".join(page.extract_text() for page in reader.pages)


def _embedded_fonts(reader):
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            descriptor = font.get_object()
            for descendant in descriptor.get("/DescendantFonts", [descriptor]):
                fd = descendant.get_object().get("/FontDescriptor")
                fonts.add((str(descriptor["/BaseFont"]), bool(fd and fd.get_object().get("/FontFile2"))))
    return fonts


def test_the_cli_writes_the_statements_and_the_trial_balance(app, runner, tmp_path):
    assert runner.invoke(args=["demo"]).exit_code == 0
    pdf = tmp_path / "fs.pdf"
    result = runner.invoke(args=["report", "financial-statements", "--community", "dongyi", "--period", "2026",
                                 "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    reader, text = _pdf_text(pdf.read_bytes())
    assert len(reader.pages) == 4
    for words in ("资产负债表", "会民非01表", "业务活动表", "会民非02表", "现金流量表", "会民非03表", "编制单位：东怡社区",
                  "单位：元", "单位负责人", "财务负责人", "制表人", "会费收入", "提供服务收入",
                  "限定性净资产转为非限定性净资产", "财务报表附注", "志愿服务捐赠", "50,144.90", "6,865.00"):
        assert words in text, words
    assert all(embedded for _name, embedded in _embedded_fonts(reader))

    workbook = tmp_path / "fs.xlsx"
    result = runner.invoke(args=["report", "financial-statements", "--community", "dongyi", "--period", "2026-12",
                                 "-o", str(workbook)])
    assert result.exit_code == 0, result.output
    book = load_workbook(workbook)
    assert book.sheetnames[:3] == ["资产负债表", "业务活动表", "现金流量表"]
    cash_row = next(row for row in book["资产负债表"].iter_rows(values_only=True) if row[0] and "货币资金" in row[0])
    assert Decimal(str(cash_row[3])) == Decimal("50144.90")

    trial = tmp_path / "tb.xlsx"
    result = runner.invoke(args=["report", "trial-balance", "--community", "dongyi", "--period", "2026",
                                 "-o", str(trial)])
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(trial).active.iter_rows(values_only=True))
    assert rows[2][:2] == ("编码", "科目")
    total = rows[-1]
    assert total[2] == total[3] and total[4] == total[5] and total[6] == total[7]
    assert total[6] > 0
    bank = next(row for row in rows if row[0] == "1002")
    with app.app_context():
        assert Decimal(str(bank[6])) == Decimal(api.account_balance(community_named(), "1002")) / 100
    tb_pdf = tmp_path / "tb.pdf"
    assert runner.invoke(args=["report", "trial-balance", "--community", "dongyi", "--from", "2026-01-01",
                               "--to", "2026-06-30", "-o", str(tb_pdf)]).exit_code == 0
    assert "科目余额表" in _pdf_text(tb_pdf.read_bytes())[1]


@pytest.mark.parametrize("args, message", [
    (["financial-statements", "--community", "dongyi", "--period", "2026-13", "-o", "x.pdf"], "2026-Q1"),
    (["financial-statements", "--community", "dongyi", "--period", "2026", "-o", "x.docx"], ".xlsx"),
    (["financial-statements", "--community", "nowhere", "--period", "2026", "-o", "x.pdf"], "nowhere"),
    (["trial-balance", "--community", "dongyi", "--from", "2026-06-30", "--to", "2026-01-01", "-o", "x.xlsx"],
     "结束"),
    (["trial-balance", "--community", "dongyi", "--period", "2026", "--from", "2026-01-01", "-o", "x.xlsx"],
     "--period"),
])
def test_the_cli_refuses_bad_arguments_with_a_message(app, runner, make_community, tmp_path, args, message):
    make_community("dongyi", "东怡社区")
    out = tmp_path / "out"
    out.mkdir()
    args = [a if a not in ("x.pdf", "x.docx", "x.xlsx") else str(out / a) for a in args]
    result = runner.invoke(args=["report", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert not list(out.iterdir())


def test_an_auditor_reads_the_statements_on_screen_and_downloads_them(app, world, client):
    with app.app_context():
        dongyi = db.session.get(Community, world.a)
        income_spending.post_opening_balance(dongyi, amount_fen=500_00, value_date=date(2025, 12, 31))
        income_spending.record_donation(dongyi, amount_fen=1_000_00, received_on=date(2026, 3, 2), method="bank",
                                        restriction="elderly")
        income_spending.pay_expense(dongyi, amount_fen=300_00, paid_on=date(2026, 3, 9), expense_account="510102",
                                    memo="慰问品", purpose="elderly", restricted=True)
        db.session.commit()
    client.login("auditor")
    page = client.get("/fund/books?period=2026-03")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for words in ("资产负债表", "业务活动表", "现金流量表", "本期数", "本年累计数", "1,200.00", "700.00",
                  'data-testid="books-tie"'):
        assert words in html, words
    pdf = client.get("/fund/books/statements.pdf?period=2026-03")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "资产负债表" in _pdf_text(pdf.data)[1]
    xlsx = client.get("/fund/books/statements.xlsx?period=2026-03")
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.data)).sheetnames[0] == "资产负债表"
    trial = client.get("/fund/books/trial-balance?period=2026")
    assert trial.status_code == 200 and "借贷平衡" in trial.get_data(as_text=True)
    for url in ("/fund/books/trial-balance.pdf?period=2026", "/fund/books/trial-balance.xlsx?date_from=2026-01-01"
                "&date_to=2026-03-31"):
        assert client.get(url).status_code == 200
    for url in ("/fund/books?period=2026-13", "/fund/books/statements.pdf?period=abc",
                "/fund/books/trial-balance.xlsx?date_from=2026-05-01&date_to=2026-01-01"):
        bad = client.get(url)
        assert bad.status_code == 400
        assert "alert" in bad.get_data(as_text=True)
