"""The fund statement and donation receipt PDFs: every total and the capital-numeral
amount checked against the ledger, fonts embedded, the command line, the linear entry
list, notes from plain data."""

import io
import re
import shutil
import subprocess
from datetime import date

import pypdf
import pytest
import sqlalchemy as sa

from charity.extensions import db
from charity.formatting import money
from charity.fund import income_spending
from charity.fund import ledger as fund_ledger
from charity.fund.models import FundAccount, JournalEntry, JournalLine
from charity.reports import capital_yuan
from tests.fund_helpers import community


def _text(pdf):
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def _flat(text):
    return text.replace(" ", "").replace("\n", "")


@pytest.fixture
def ledger(app, world):
    """A small year: opening balance, donations (one restricted), a sale, spending."""
    with app.app_context():
        c = community()
        income_spending.post_opening_balance(c, amount_fen=1_000_000, value_date=date(2025, 12, 31))
        income_spending.record_donation(c, amount_fen=1_234_567, received_on=date(2026, 1, 8), method="bank",
                                        donor_name="成都锦华物业")
        income_spending.record_donation(c, amount_fen=300_050, received_on=date(2026, 2, 3), method="wechat",
                                        restriction="elderly")
        income_spending.record_sale(c, event="旧物升级工坊义卖", items="帆布袋", amount_fen=138_600,
                                    sold_on=date(2026, 3, 28), method="cash")
        income_spending.pay_expense(c, amount_fen=120_000, paid_on=date(2026, 3, 30), expense_account="510102",
                                    memo="重阳敬老宴", purpose="elderly", restricted=True, project="九九重阳敬老")
        income_spending.pay_expense(c, amount_fen=500_000, paid_on=date(2026, 4, 2), expense_account="510102",
                                    memo="亲子课堂材料", project="小暖芽亲子志愿者服务队")
        income_spending.pay_expense(c, amount_fen=16_000, paid_on=date(2026, 4, 5), expense_account="5201", memo="手续费")
        income_spending.record_donation(c, amount_fen=99, received_on=date(2027, 1, 2), method="cash")  # outside 2026
        db.session.commit()


def _ledger_sum(community_id, codes, date_from=None, date_to=None, kinds=None):
    stmt = (sa.select(sa.func.coalesce(sa.func.sum(JournalLine.amount_fen), 0))
            .join(JournalEntry).join(FundAccount).where(JournalEntry.community_id == community_id))
    if codes:
        stmt = stmt.where(FundAccount.code.in_(codes))
    if kinds:
        stmt = stmt.where(FundAccount.kind.in_(kinds))
    if date_from:
        stmt = stmt.where(JournalEntry.value_date >= date_from)
    if date_to:
        stmt = stmt.where(JournalEntry.value_date <= date_to)
    return int(db.session.scalar(stmt))


def test_statement_totals_reconcile_with_the_ledger(app, world, ledger, login_as):
    client = login_as("auditor")
    response = client.get("/fund/statement.pdf?period=2026")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    text, pages = _text(pdf)
    flat = _flat(text)
    with app.app_context():
        a = world.a
        opening = _ledger_sum(a, ["1001", "1002"], date_to=date(2025, 12, 31))
        closing = _ledger_sum(a, ["1001", "1002"], date_to=date(2026, 12, 31))
        income = -_ledger_sum(a, None, date(2026, 1, 1), date(2026, 12, 31), kinds=["income"])
        expense = _ledger_sum(a, None, date(2026, 1, 1), date(2026, 12, 31), kinds=["expense"])
        head = db.session.scalar(sa.select(JournalEntry).where(JournalEntry.value_date <= date(2026, 12, 31))
                                 .order_by(JournalEntry.seq.desc()).limit(1))
    assert (opening, income, expense) == (1_000_000, 1_673_217, 636_000)
    assert closing == opening + income - expense
    # The cash summary: every figure with its capital numerals (here every cent moved cash).
    for fen in (opening, income, expense, closing):
        assert money(fen, symbol="") in flat, fen
        assert capital_yuan(fen) in flat, capital_yuan(fen)
    assert "期初货币资金" in flat and "期末货币资金" in flat and "编制单位：" in flat and "单位：元" in flat
    # Income by source, restricted column, release and the sub-fund balance.
    for fen in (1_234_567, 300_050, 138_600, 120_000, 500_000, 16_000, 180_050):
        assert money(fen, symbol="") in flat, fen
    assert "业务活动表" in flat and "非限定性" in flat and "限定性" in flat
    assert "九九重阳敬老" in flat and "小暖芽亲子志愿者服务队" in flat
    assert head.hash in flat
    assert "单位负责人" in flat and "财务负责人" in flat and "制表人" in flat
    assert f"第1页/共{pages}页" in flat
    with app.app_context():
        from tests.fund_helpers import user

        assert f"{user('auditor').display_name}生成于" in flat  # who generated it


def test_statement_lists_every_entry_with_a_running_balance(app, world, ledger):
    from charity.fund.statement import build_statement

    with app.test_request_context():
        data = build_statement(community(), date(2026, 1, 1), date(2026, 3, 31), generated_by="测试")
    assert [row[1] for row in data.entries] == [2, 3, 4, 5]
    assert data.entries[-1][7] == data.closing_fen == 1_000_000 + 1_234_567 + 300_050 + 138_600 - 120_000
    assert data.cash_in_fen == 1_234_567 + 300_050 + 138_600 and data.cash_out_fen == 120_000
    assert data.released_fen == 120_000
    assert [b for _n, b in data.subfunds] == [180_050]


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_statement_font_is_embedded(app, world, ledger, runner, tmp_path):
    out = tmp_path / "statement.pdf"
    result = runner.invoke(args=["report", "fund-statement", "--community", "dongyi", "--period", "2026-Q1",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(" yes " in row for row in rows), fonts
    assert "WenQuanYi" in fonts


@pytest.mark.parametrize("args", [["--period", "2026"], ["--period", "2026-03"],
                                  ["--from", "2026-02-01", "--to", "2026-04-30"]])
def test_statement_from_the_command_line(app, world, ledger, runner, tmp_path, args):
    out = tmp_path / "s.pdf"
    result = runner.invoke(args=["report", "fund-statement", "--community", "dongyi", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("args", [["--period", "2026-13"], ["--period", "soon"],
                                  ["--from", "2026-05-01", "--to", "2026-04-30"], ["--from", "yesterday", "--to", "x"]])
def test_statement_command_refuses_bad_periods(app, world, runner, tmp_path, args):
    result = runner.invoke(args=["report", "fund-statement", "--community", "dongyi", *args,
                                 "-o", str(tmp_path / "s.pdf")])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_many_entries_split_across_pages_and_all_appear(app, world):
    from charity.fund.pdf import render_statement
    from charity.fund.statement import build_statement

    with app.app_context():
        c = community()
        for n in range(1, 301):
            income_spending.record_sale(c, event=f"义卖{n:03d}", items="", amount_fen=n, sold_on=date(2026, 5, 1),
                                        method="cash")
        db.session.commit()
    with app.test_request_context():
        data = build_statement(community(), date(2026, 1, 1), date(2026, 12, 31), generated_by="测试",
                               notes=[services_note()])
        pdf = render_statement(data)
    text, pages = _text(pdf)
    assert pages >= 6
    flat = _flat(text)
    for n in (1, 150, 300):
        assert f"义卖{n:03d}" in flat
    assert money(sum(range(1, 301)), symbol="") in flat
    # Every page break of the entry list carries the subtotal over: 过次页 at the foot, 承前页 on top.
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    listing = [i for i, page in enumerate(reader.pages) if re.search(r"义卖\d{3}", page.extract_text())]
    for i in listing[:-1]:
        assert "过次页" in reader.pages[i].extract_text()
        assert "承前页" in reader.pages[i + 1].extract_text()
    assert flat.count("过次页") == flat.count("承前页") == len(listing) - 1
    # The last page holds the totals and the signatures together, never the signatures alone.
    last = _flat(reader.pages[-1].extract_text())
    assert "合计" in last and "单位负责人" in last
    assert "12.5" in flat and "375.00" in flat  # the donated-services note from plain data


def services_note():
    from charity.fund.statement import volunteer_services_note

    return volunteer_services_note(750, 3000)


def test_donation_receipt(app, world, ledger, login_as):
    with app.app_context():
        from charity.fund.models import Donation

        donation = db.session.scalar(sa.select(Donation).where(Donation.receipt_no == "JZ2026-0001"))
    client = login_as("admin")
    response = client.get(f"/fund/donations/{donation.id}/receipt.pdf")
    assert response.status_code == 200
    flat = _flat(_text(response.data)[0])
    assert "JZ2026-0001" in flat and "成都锦华物业" in flat and "12,345.67" in flat
    assert capital_yuan(1_234_567) in flat
    assert "签字及盖章" in flat
    from tests.test_pdf import _fonts

    _reader, fonts = _fonts(response.data)
    assert fonts and all(fonts.values()), fonts  # every font embedded, no stray Helvetica


def test_statement_discloses_verified_volunteer_service_apart_from_cash(app, world):
    from charity.fund.pdf import render_statement
    from charity.fund.statement import build_statement
    from charity.projects import services as projects
    from charity.projects.models import Activity
    from tests.access_teams import build_scenario

    sc = build_scenario(app, world)  # two draft activities on 2026-03-07: 210 and 120 minutes
    with app.test_request_context():
        fund_ledger.set_volunteer_hour_value(community(), 2500)
        activity = db.session.get(Activity, sc.activity_a)
        projects.transition_activity(activity, "submit")
        projects.verify_activity(activity)
        db.session.commit()
        march = build_statement(community(), date(2026, 3, 1), date(2026, 3, 31), generated_by="测试")
        april = build_statement(community(), date(2026, 4, 1), date(2026, 4, 30), generated_by="测试")
        pdf = render_statement(march)
    assert april.notes == []  # nothing verified in April: no note
    [(title, lines)] = march.notes
    assert "3.5" in lines[0]  # only the verified activity's 210 minutes, not the draft's
    assert "¥87.50" in lines[1]  # 3.5 h at ¥25.00
    assert march.income_total == march.expense_total == 0  # kept apart from cash
    flat = _flat(_text(pdf)[0])
    assert "3.5" in flat and "87.50" in flat
