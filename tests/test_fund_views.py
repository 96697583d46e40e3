"""The fund pages: staff post through forms (bad input 422, nothing written; a double
submit posts once), auditors read and export, months close and reopen with two people."""

import csv
import io
import re
from datetime import date

import openpyxl
import sqlalchemy as sa

from charity.extensions import db
from charity.fund import api, chart, income_spending, ledger
from charity.fund.errors import ReservedAccount
from charity.fund.models import Donation, FundAccount, FundPeriod, JournalEntry, JournalLine
from tests.conftest import count_rows
from tests.fund_helpers import community, fund


def _form_key(client, url):
    import re

    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', html).group(1)


def test_staff_record_a_donation_and_a_double_submit_posts_once(app, world, login_as):
    client = login_as("admin")
    key = _form_key(client, "/fund/donations/new")
    data = {"idempotency_key": key, "donor_name": "王阿姨", "amount": "1,280.50", "method": "cash",
            "restriction": "elderly", "received_on": "2026-03-05", "note": ""}
    first = client.submit("/fund/donations/new", data)
    again = client.submit("/fund/donations/new", data)
    assert first.status_code == again.status_code == 302
    with app.app_context():
        donations = db.session.scalars(sa.select(Donation)).all()
        assert [(d.amount_fen, d.donor_name, d.receipt_no) for d in donations] == [(128050, "王阿姨", "JZ2026-0001")]
    page = client.get("/fund/donations").get_data(as_text=True)
    assert "JZ2026-0001" in page and "¥1,280.50" in page and "养老助老" in page


def test_bad_amounts_are_refused_and_nothing_is_written(app, world, login_as):
    client = login_as("admin")
    expected = {"": "请输入以元为单位的金额", "12.345": "请输入以元为单位的金额", "1e3": "请输入以元为单位的金额",
                "abc": "请输入以元为单位的金额", "1" * 20: "请输入以元为单位的金额",
                "0": "金额必须大于零", "-5": "金额必须大于零", "－50.5": "金额必须大于零",
                "99999999999999": "金额过大"}
    for amount, message in expected.items():
        key = _form_key(client, "/fund/donations/new")
        response = client.submit("/fund/donations/new", {"idempotency_key": key, "amount": amount,
                                                         "method": "bank", "received_on": "2026-03-05"})
        assert response.status_code == 422, amount
        assert message in response.get_data(as_text=True), amount
    assert count_rows(app, JournalEntry) == 0


def test_money_dated_after_today_in_chengdu_is_refused(app, world, login_as):
    from datetime import timedelta

    from charity.models_base import local_today

    client = login_as("admin")
    with app.app_context():
        today = local_today()
    page = client.get("/fund/donations/new").get_data(as_text=True)
    assert f'value="{today.isoformat()}"' in page  # the default is today where the community is
    for url, field in (("/fund/donations/new", "received_on"), ("/fund/sales/new", "sold_on")):
        key = _form_key(client, url)
        response = client.submit(url, {"idempotency_key": key, "amount": "100", "method": "cash",
                                       "event": "义卖", field: (today + timedelta(days=1)).isoformat()})
        assert response.status_code == 422, url
        assert "日期在今天之后" in response.get_data(as_text=True)
    assert count_rows(app, JournalEntry) == 0


def test_spending_beyond_the_balance_is_refused_with_a_message(app, world, login_as):
    fund(app, world, amount_fen=10_000)
    client = login_as("admin")
    key = _form_key(client, "/fund/expenses/new")
    data = {"idempotency_key": key, "expense_account": "510102", "memo": "购买物资", "amount": "100.01",
            "method": "bank", "purpose": "", "restricted": "no", "project": "", "paid_on": "2026-03-05"}
    response = client.submit("/fund/expenses/new", data)
    assert response.status_code == 422
    assert "余额不足" in response.get_data(as_text=True)
    assert count_rows(app, JournalEntry) == 1
    data["amount"] = "100"
    response = client.submit("/fund/expenses/new", data)
    assert response.status_code == 302
    assert count_rows(app, JournalEntry) == 2


def test_reversal_through_the_web(app, world, login_as):
    fund(app, world, amount_fen=10_000)
    client = login_as("admin")
    with app.app_context():
        entry_id = db.session.scalar(sa.select(JournalEntry.id))
    key = _form_key(client, f"/fund/entries/{entry_id}")
    response = client.submit(f"/fund/entries/{entry_id}/reverse", {"idempotency_key": key, "memo": "重复登记"})
    assert response.status_code == 302
    with app.app_context():
        reversal = db.session.scalar(sa.select(JournalEntry).where(JournalEntry.reverses_id == entry_id))
        assert reversal is not None and reversal.memo == "重复登记"
    response = client.submit(f"/fund/entries/{entry_id}/reverse", {"idempotency_key": key, "memo": "重复登记"})
    assert response.status_code == 302  # the same key (a double click): the first reversal again
    response = client.submit(f"/fund/entries/{entry_id}/reverse", {"idempotency_key": key + "x", "memo": "再冲"})
    assert response.status_code == 422
    assert "已被冲销" in response.get_data(as_text=True)
    assert count_rows(app, JournalEntry) == 2


def test_close_and_reopen_a_month_takes_an_admin_and_a_council_member(app, world, login_as):
    admin, council = login_as("admin"), login_as("council")
    assert admin.submit("/fund/periods/close", {"month": "2026-02"}).status_code == 302
    assert admin.submit("/fund/periods/close", {"month": "2026-13"}).status_code == 422
    with app.app_context():
        period_id = db.session.scalar(sa.select(FundPeriod.id))
    assert admin.submit(f"/fund/periods/{period_id}/reopen", {"reason": "漏记义卖收入"}).status_code == 302
    refused = admin.submit(f"/fund/periods/{period_id}/confirm")
    assert refused.status_code == 422 and "两个不同的人" in refused.get_data(as_text=True)
    assert council.submit(f"/fund/periods/{period_id}/confirm").status_code == 302
    with app.app_context():
        assert db.session.get(FundPeriod, period_id).state == "open"


def test_auditor_verifies_and_exports(app, world, login_as):
    fund(app, world, amount_fen=12_345, day=date(2026, 4, 1))
    fund(app, world, amount_fen=500, day=date(2027, 1, 1))
    client = login_as("auditor")
    page = client.get("/fund/verify").get_data(as_text=True)
    assert "账本核验通过：共 2 笔凭证" in page
    text = client.get("/fund/journal.csv?period=2026").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 3  # header and the two lines of the 2026 donation
    assert {r[6] for r in rows[1:]} == {"1002", "4101"}
    assert sorted((int(r[8]), int(r[9])) for r in rows[1:]) == [(0, 12345), (12345, 0)]
    response = client.get("/fund/journal.xlsx?date_from=2026-01-01&date_to=2026-12-31")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == 3
    assert client.get("/fund/journal.csv?period=2026-Q5").status_code == 400
    assert client.get("/fund/statement.pdf?date_from=2026-05-01&date_to=2026-04-01").status_code == 400


def test_csv_export_neutralises_formulas(app, world, login_as):
    client = login_as("admin")
    fund(app, world, amount_fen=10_000)
    key = _form_key(client, "/fund/sales/new")
    client.submit("/fund/sales/new", {"idempotency_key": key, "event": "=HYPERLINK(1)", "items": "",
                                      "amount": "5", "method": "cash", "sold_on": "2026-02-01"})
    text = login_as("auditor").get("/fund/journal.csv?period=2026").get_data(as_text=True)
    assert "'义卖收入：=HYPERLINK(1)" in text or "义卖收入：=HYPERLINK(1)" in text
    assert "\n=" not in text and ",=" not in text


def test_other_community_sees_none_of_a(app, world, login_as):
    fund(app, world, amount_fen=10_000)
    client = login_as("other_admin")
    assert "测试捐赠人" not in client.get("/fund/donations").get_data(as_text=True)
    assert "¥100.00" not in client.get("/fund/").get_data(as_text=True)
    assert "测试捐赠人" not in client.get("/fund/journal.csv?period=2026").get_data(as_text=True)


def test_settings_value_per_volunteer_hour(app, world, login_as):
    client = login_as("admin")
    assert client.submit("/fund/settings", {"volunteer_hour_value": "25.50"}).status_code == 302
    from charity.fund.models import FundSettings

    with app.app_context():
        assert db.session.scalar(sa.select(FundSettings.volunteer_hour_value_fen)) == 2550
    assert client.submit("/fund/settings", {"volunteer_hour_value": "abc"}).status_code == 422


GENERIC_FORMS = {
    "/fund/expenses/new": {"memo": "付款", "amount": "100.00", "method": "bank", "purpose": "", "restricted": "no",
                           "project": "", "paid_on": "2026-03-05"},
    "/fund/donations/new": {"donor_name": "捐赠人", "amount": "100.00", "method": "bank", "restriction": "",
                            "received_on": "2026-03-05", "note": ""},
    "/fund/sales/new": {"event": "义卖", "items": "手工皂", "amount": "100.00", "method": "bank",
                        "sold_on": "2026-03-05"},
}


def test_every_reserved_account_is_refused_on_every_generic_form(app, world, login_as):
    """Grant money moves only through the grants module: no generic form can post to an
    account the grants own, whatever field a tampered request names."""

    fund(app, world, amount_fen=10_000_00)
    client = login_as("admin")
    offered = client.get("/fund/expenses/new").get_data(as_text=True)
    for code in chart.RESERVED:
        assert f'value="{code}"' not in offered
        for url, data in GENERIC_FORMS.items():
            key = _form_key(client, url)
            client.submit(url, {**data, "idempotency_key": key, "expense_account": code, "account": code})
    refused = client.submit("/fund/expenses/new", {**GENERIC_FORMS["/fund/expenses/new"],
                                                   "idempotency_key": _form_key(client, "/fund/expenses/new"),
                                                   "expense_account": chart.MICRO_VENTURE})
    assert refused.status_code == 422
    with app.app_context():
        touched = db.session.scalar(sa.select(sa.func.count(JournalLine.id)).join(FundAccount)
                                    .where(FundAccount.code.in_(list(chart.RESERVED))))
        assert touched == 0
        for code in chart.RESERVED:  # the service refuses them too (the command line and scripts)
            try:
                income_spending.pay_expense(community(), amount_fen=100, paid_on=date(2026, 3, 5),
                                            expense_account=code, memo="绕过表单")
            except ReservedAccount as exc:
                assert "资助" in str(exc.message)
            else:
                raise AssertionError(code)
        db.session.rollback()
        # A grant's own entry cannot be reversed from the fund's generic page either.
        with api.posting(community()) as books:
            entry = books.post(value_date=date(2026, 3, 6), memo="拨付", reference_type=api.ReferenceType.grant_tranche,
                               reference_id="G1-T1", lines=[api.Line(api.GRANT_ADVANCES, 500),
                                                            api.Line("1002", -500)])
        db.session.commit()
        entry_id = entry.id
        try:
            ledger.reverse_entry(community(), entry)
        except ReservedAccount:
            db.session.rollback()
        else:
            raise AssertionError("reversed a tranche")
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"',
                    client.get(f"/fund/entries/{entry_id}").get_data(as_text=True)).group(1)
    response = client.submit(f"/fund/entries/{entry_id}/reverse", {"idempotency_key": key, "memo": "撤销"})
    assert response.status_code == 422 and "资助" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(JournalEntry.id).where(JournalEntry.reverses_id == entry_id)) is None
