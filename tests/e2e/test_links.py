"""On a phone, the council sees a demo project's need and services, changes them, publishes
a project linked to a need and services, and matches a need to a resident team."""

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, click_through, sign_in


def test_project_links_and_need_matched_to_a_team_on_a_phone(open_page):
    w = open_page(PHONE)
    page = w.page
    sign_in(w, "council")
    page.goto("/projects")
    click_through(page, "text=爱心义剪")
    expect(page.locator("[data-testid=project-need]")).to_contain_text("5 栋独居老人")
    expect(page.locator("dd[data-testid=project-services]")).to_contain_text("东怡快剪理发店")
    w.shot("links-project-detail-phone")
    click_through(page, "[data-testid=edit-links]")
    assert page.locator("select[name=need_id]").input_value() != "0"
    w.shot("links-project-links-phone")
    page.check("[data-testid=project-services] .form-check:has-text('测血压血糖') input")
    click_through(page, "form[data-testid=project-form] button[type=submit]")
    expect(page.locator("dd[data-testid=project-services]")).to_contain_text("测血压血糖")

    page.goto("/projects/new")
    page.fill("input[name=title]", "e2e 长者理发进院落")
    page.check("input[name=target_groups][value=elderly]")
    page.select_option("select[name=need_id]", label="#1 5 栋独居老人希望每月有人上门理发（待对接）")
    page.check("[data-testid=project-services] .form-check:has-text('积分兑换理发') input")
    w.shot("links-project-form-phone")
    click_through(page, "form[data-testid=project-form] button[type=submit]")
    expect(page.locator("dd[data-testid=project-services]")).to_contain_text("积分兑换理发")

    page.goto("/needs/")
    click_through(page, "text=外卖骑手希望有歇脚")
    expect(page.locator("[data-testid=need-match]")).to_contain_text("骑手驿站互助队")
    expect(page.locator("[data-testid=need-projects]")).to_contain_text("新就业群体关爱驿站")
    page.goto("/needs/")
    click_through(page, "text=5 栋独居老人希望每月有人上门理发")
    form = page.locator("[data-testid=match-form]")
    form.locator("select[name=service_id]").select_option(index=1)
    form.locator("select[name=team_id]").select_option(label="爱心义剪服务队")
    click_through(page, form.locator("button[type=submit]"))
    assert "不能都选" in page.content()
    w.shot("links-need-match-error-phone")
    form = page.locator("[data-testid=match-form]")
    form.locator("select[name=service_id]").select_option("0")
    form.locator("select[name=team_id]").select_option(label="爱心义剪服务队")
    click_through(page, form.locator("button[type=submit]"))
    expect(page.locator("[data-testid=need-match]")).to_contain_text("爱心义剪服务队")
    w.shot("links-need-matched-phone")
    assert w.errors == []
