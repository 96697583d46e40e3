"""Staff add a partner and a service, the council matches a need to it at a meeting and
approves the list, the auditor downloads the PDF; a merchant sees only their shop."""

import io

import pypdf
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, click_through, sign_in


def test_partner_service_match_and_resource_list(open_page):
    w = open_page()
    page = w.page
    sign_in(w, "admin")
    click_through(page, "[data-testid=main-nav] >> text=资源伙伴")
    assert "东怡快剪理发店" in page.content()
    w.shot("partners-list-admin")
    click_through(page, "text=新增合作伙伴")
    page.fill("input[name=name]", "e2e 暖心面馆 <b>&")
    page.select_option("select[name=kind]", "merchant")
    page.fill("input[name=address]", "东怡街 99 号")
    page.fill("input[name=contact_person]", "牛老板")
    page.fill("input[name=phone]", "12345")
    click_through(page, "form button[type=submit]:has-text('保存')")
    assert "请填写 11 位手机号" in page.content()
    page.fill("input[name=phone]", "138 8003 0099")
    page.check("input[name=is_charity_partner]")
    page.fill("input[name=partner_signed_on]", "2026-11-01")
    w.shot("partner-form")
    click_through(page, "form button[type=submit]:has-text('保存')")
    assert "已新增合作伙伴" in page.content()
    click_through(page, "text=新增服务")
    page.fill("input[name=name]", "长者暖心面")
    page.select_option("select[name=category_id]", label="结对帮扶")
    page.fill("textarea[name=description]", "每周三为独居老人送一碗热面")
    page.check("input[name=target_groups][value=elderly]")
    page.fill("input[name=schedule]", "每周三中午")
    page.fill("input[name=points_price]", "15")
    click_through(page, "form button[type=submit]:has-text('保存')")
    expect(page.locator("[data-testid=partner-services]")).to_contain_text("长者暖心面")
    w.shot("partner-detail-admin")
    page.goto("/partners/categories")
    assert page.locator("[data-testid=categories] li").count() == 6
    w.shot("categories-admin")

    page.goto("/needs/new")
    page.select_option("select[name=group]", "elderly")
    page.fill("input[name=people_count]", "4")
    page.select_option("select[name=category_id]", label="结对帮扶")
    page.fill("textarea[name=description]", "e2e 独居老人午饭难")
    page.select_option("select[name=source]", "survey")
    click_through(page, "form button[type=submit]:has-text('保存')")
    assert "需求已登记" in page.content()
    need_url = page.url
    assert w.errors == []

    c = open_page(PHONE)
    sign_in(c, "council")
    c.page.goto("/needs/meetings/new")
    c.page.fill("input[name=title]", "e2e 十一月慈善联席会")
    c.page.check("input[name=user_ids] >> nth=0")
    click_through(c.page, "form button[type=submit]:has-text('保存')")
    assert "会议已记录" in c.page.content()
    meeting_url = c.page.url
    c.page.goto(need_url)
    for name, text in (("service_id", "长者暖心面"), ("meeting_id", "e2e 十一月慈善联席会")):
        option = c.page.locator(f"select[name={name}] option", has_text=text)
        c.page.select_option(f"select[name={name}]", option.get_attribute("value"))
    c.page.fill("input[name=note]", "牛老板每周三送餐")
    c.shot("need-match-phone")
    click_through(c.page, "[data-testid=match-form] button[type=submit]")
    expect(c.page.locator("[data-testid=need-state]")).to_contain_text("已对接")
    expect(c.page.locator("[data-testid=need-match]")).to_contain_text("长者暖心面")
    c.shot("need-matched-phone")
    c.page.goto(meeting_url)
    c.page.once("dialog", lambda dialog: dialog.accept())
    click_through(c.page, "[data-testid=approve-list]")
    expect(c.page.locator("[data-testid=approved-version]")).to_contain_text("第 2 版")
    c.shot("meeting-approved-phone")
    assert c.errors == []

    a = open_page(DESKTOP)
    sign_in(a, "auditor")
    a.page.goto("/partners/resource-list")
    a.shot("resource-list-auditor")
    response = a.page.request.get("/partners/resource-list.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    (ARTIFACTS / "resource-list-v2.pdf").write_bytes(pdf)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "e2e 暖心面馆 <b>&" in text and "长者暖心面" in text and "138****0099" in text
    assert "审议通过" in text
    assert a.errors == []


def test_merchant_sees_only_their_shop_on_a_phone(open_page):
    w = open_page(PHONE)
    page = w.page
    sign_in(w, "merchant")
    page.goto("/partners/")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1 and "东怡快剪理发店" in rows.inner_text()
    w.shot("merchant-my-shop-phone")
    click_through(page, "table >> text=东怡快剪理发店")
    assert "爱心义剪" in page.content()
    w.shot("merchant-partner-detail-phone")
    assert w.errors == []


def test_volunteer_reads_the_public_list_on_a_phone(open_page):
    w = open_page(PHONE)
    page = w.page
    sign_in(w, "volunteer")
    page.goto("/partners/services?group=elderly")
    assert "小家电免费检修" in page.content()
    assert "138800200" not in page.content()
    w.shot("volunteer-services-phone")
    page.goto("/partners/")
    assert "138****0001" in page.content()
    w.shot("volunteer-partners-phone")
    assert w.errors == []


def test_auditor_reads_needs_and_meetings_in_english_on_a_phone(open_page):
    w = open_page(PHONE, locale="en-GB")
    page = w.page
    sign_in(w, "auditor")  # earlier journeys may have saved Chinese for this account
    page.click(".navbar-toggler")
    page.locator("#nav.show").wait_for()
    click_through(page, "button[name=language][value=en]")
    page.goto("/needs/")
    assert "Needs list" in page.content() and "Declined" in page.content()
    assert "Record a need" not in page.content()
    w.shot("needs-list-auditor-phone-en")
    page.goto("/needs/meetings")
    click_through(page, "text=第三季度慈善联席会")
    assert "Approved version 1 of the list" in page.content()
    assert "Approve the current list" not in page.content()
    w.shot("meeting-auditor-phone-en")
    page.click(".navbar-toggler")
    page.locator("#nav.show").wait_for()
    click_through(page, "button[name=language][value=zh]")  # leave the account as the other journeys expect
    assert w.errors == []
