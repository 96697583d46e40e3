"""The community fund in a real browser: staff record a donation and print its receipt;
the auditor downloads the statement and runs the verification; leaders see no fund."""

import io
import re

import pypdf
from playwright.sync_api import expect

from charity.reports.numerals import capital_yuan
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, click_through, sign_in


def test_staff_record_a_donation_auditor_downloads_statement_and_verifies(open_page):
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        w = open_page(viewport)
        page = w.page
        sign_in(w, "admin")
        page.goto("/fund/")
        w.shot(f"fund-admin-balances-{name}")
        click_through(page, "[data-testid=donation-new]")
        page.fill("input[name=donor_name]", f"浏览器测试捐赠人{name}")
        page.fill("input[name=amount]", "abc")
        click_through(page, "[data-testid=submit]")
        assert "请输入以元为单位的金额" in page.content()
        w.shot(f"fund-donation-error-{name}")
        page.fill("input[name=amount]", "2,468.10")
        page.select_option("select[name=restriction]", "children")
        click_through(page, "[data-testid=submit]")
        assert "捐赠已登记" in page.content()
        assert f"浏览器测试捐赠人{name}" in page.content()
        w.shot(f"fund-donations-{name}")
        assert w.errors == []

    w = open_page(DESKTOP)
    page = w.page
    sign_in(w, "auditor")
    page.goto("/fund/")
    assert page.locator("[data-testid=donation-new]").count() == 0  # auditors change nothing
    page.goto("/fund/statement")
    page.fill("input[name=period]", "2026")
    w.shot("fund-statement-form-desktop")
    with page.expect_download() as info:
        page.click("[data-testid=statement-download]")
    path = ARTIFACTS / "fund-statement-2026.pdf"
    info.value.save_as(path)
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages).replace(" ", "").replace("\n", "")
    assert "业务活动表" in text and text.count("浏览器测试捐赠人") == 2 and text.count("2,468.10") == 2
    closing = re.search(r"期末货币资金([\d,]+\.\d\d)", text).group(1)
    assert capital_yuan(int(closing.replace(",", "").replace(".", ""))) in text
    page.goto("/fund/verify")
    expect(page.locator("[data-testid=verify-result]")).to_contain_text("账本核验通过")
    w.shot("fund-verify-desktop")
    page.goto("/fund/journal")
    w.shot("fund-journal-desktop")
    assert w.errors == []

    w = open_page(PHONE)
    sign_in(w, "auditor")
    w.page.goto("/fund/journal")
    w.shot("fund-journal-phone")
    w.page.goto("/fund/periods")
    w.shot("fund-periods-phone")
    assert w.errors == []


def test_leader_sees_no_fund(open_page):
    w = open_page(DESKTOP)
    sign_in(w, "leader")
    response = w.page.goto("/fund/journal")
    assert response.status == 403


def test_auditor_reads_the_financial_statements_and_the_trial_balance(open_page):
    """The three statements on screen tie out; their PDF and XLSX say what the screen says."""
    from openpyxl import load_workbook

    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        w = open_page(viewport)
        page = w.page
        sign_in(w, "auditor")
        page.goto("/fund/")
        click_through(page, "[data-testid=fund-nav] >> text=财务报表")
        page.fill("input[name=period]", "2026-12")
        click_through(page, "main form button[type=submit]")
        expect(page.locator("[data-testid=books-tie]")).to_be_visible()
        for heading in ("资产负债表", "业务活动表", "现金流量表"):
            expect(page.locator("h2", has_text=heading)).to_be_visible()
        cash = page.locator("[data-testid=balance-assets] tr", has_text="货币资金").locator("td").nth(3)
        cash_text = cash.inner_text().strip()
        assert re.fullmatch(r"[\d,]+\.\d\d", cash_text)
        w.shot(f"fund-books-{name}")
        page.locator("#cash-flows").scroll_into_view_if_needed()
        w.shot(f"fund-books-cash-flows-{name}")
        assert w.errors == []

    with page.expect_download() as info:
        page.click("[data-testid=books-pdf]")
    pdf = ARTIFACTS / "financial-statements-2026-12.pdf"
    info.value.save_as(pdf)
    reader = pypdf.PdfReader(io.BytesIO(pdf.read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages)
    for words in ("资产负债表", "会民非01表", "业务活动表", "现金流量表", "单位负责人", cash_text):
        assert words in text, words
    with page.expect_download() as info:
        page.click("[data-testid=books-xlsx]")
    workbook = ARTIFACTS / "financial-statements-2026-12.xlsx"
    info.value.save_as(workbook)
    sheet = load_workbook(workbook)["资产负债表"]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] and "货币资金" in r[0])
    assert f"{row[3]:,.2f}" == cash_text

    w = open_page(DESKTOP)
    page = w.page
    sign_in(w, "auditor")
    page.goto("/fund/books/trial-balance?period=2026")
    expect(page.locator("[data-testid=trial-balance]")).to_contain_text("银行存款")
    expect(page.locator(".badge", has_text="借贷平衡")).to_be_visible()
    w.shot("fund-trial-balance-desktop")
    with page.expect_download() as info:
        page.click("[data-testid=trial-xlsx]")
    trial = ARTIFACTS / "trial-balance-2026.xlsx"
    info.value.save_as(trial)
    total = list(load_workbook(trial).active.iter_rows(values_only=True))[-1]
    assert total[2] == total[3] and total[4] == total[5] and total[6] == total[7]
    assert w.errors == []
