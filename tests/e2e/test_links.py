"""On a phone, the council sees a demo project's need and services, changes them, publishes
a project linked to a need and services, and matches a need to a resident team."""

from tests.e2e.conftest import PHONE, sign_in


def test_project_links_and_need_matched_to_a_team_on_a_phone(open_page):
    w = open_page(PHONE)
    page = w.page
    sign_in(w, "council")
    page.goto("/projects")
    page.click("text=爱心义剪")
    page.wait_for_load_state()
    assert "5 栋独居老人" in page.locator("[data-testid=project-need]").inner_text()
    assert "东怡快剪理发店" in page.locator("dd[data-testid=project-services]").inner_text()
    w.shot("links-project-detail-phone")
    page.click("[data-testid=edit-links]")
    page.wait_for_load_state()
    assert page.locator("select[name=need_id]").input_value() != "0"
    w.shot("links-project-links-phone")
    page.check("[data-testid=project-services] .form-check:has-text('测血压血糖') input")
    page.click("form[data-testid=project-form] button[type=submit]")
    page.wait_for_load_state()
    assert "测血压血糖" in page.locator("dd[data-testid=project-services]").inner_text()

    page.goto("/projects/new")
    page.fill("input[name=title]", "e2e 长者理发进院落")
    page.check("input[name=target_groups][value=elderly]")
    page.select_option("select[name=need_id]", label="#1 5 栋独居老人希望每月有人上门理发（待对接）")
    page.check("[data-testid=project-services] .form-check:has-text('积分兑换理发') input")
    w.shot("links-project-form-phone")
    page.click("form[data-testid=project-form] button[type=submit]")
    page.wait_for_load_state()
    assert "积分兑换理发" in page.locator("dd[data-testid=project-services]").inner_text()

    page.goto("/needs/")
    page.click("text=外卖骑手希望有歇脚")
    page.wait_for_load_state()
    assert "骑手驿站互助队" in page.locator("[data-testid=need-match]").inner_text()
    assert "新就业群体关爱驿站" in page.locator("[data-testid=need-projects]").inner_text()
    page.goto("/needs/")
    page.click("text=5 栋独居老人希望每月有人上门理发")
    page.wait_for_load_state()
    form = page.locator("[data-testid=match-form]")
    form.locator("select[name=service_id]").select_option(index=1)
    form.locator("select[name=team_id]").select_option(label="爱心义剪服务队")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "不能都选" in page.content()
    w.shot("links-need-match-error-phone")
    form = page.locator("[data-testid=match-form]")
    form.locator("select[name=service_id]").select_option("0")
    form.locator("select[name=team_id]").select_option(label="爱心义剪服务队")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "爱心义剪服务队" in page.locator("[data-testid=need-match]").inner_text()
    w.shot("links-need-matched-phone")
    assert w.errors == []
