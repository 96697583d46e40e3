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
    closing = re.search(r"期末余额([\d,]+\.\d\d)", text).group(1)
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
