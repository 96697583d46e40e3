"""A new user's journeys through the foundation, in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, click_through, sign_in

TEAMS = ["团队", "项目", "活动", "统计"]
#: Staff, council and auditors: users and the audit trail sit in the 管理 menu.
READERS = ["首页", "资源伙伴", "需求清单"] + TEAMS + ["微创投", "积分", "社区基金", "管理"]
NAV = {
    "admin": READERS,
    "council": READERS,
    "leader": ["首页", "资源伙伴"] + TEAMS + ["微创投", "积分"],
    "auditor": READERS,
    "merchant": ["首页", "我的店铺", "积分"],
    "volunteer": ["首页", "资源伙伴"] + TEAMS + ["积分"],
}
ROLE_LABELS = {"admin": "服务中心工作人员", "council": "联席会成员", "leader": "团队负责人",
               "auditor": "审计人员", "merchant": "爱心商家", "volunteer": "志愿者"}


def nav_items(page):
    return [t.strip() for t in page.locator("[data-testid=main-nav] .nav-link").all_inner_texts()]


@pytest.mark.parametrize("role", list(NAV))
def test_each_demo_role_signs_in_sees_its_navigation_and_switches_language(open_page, role):
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        w = open_page(viewport)
        page = w.page
        sign_in(w, role)
        assert page.url.endswith("/")
        expect(page.locator("[data-testid=my-roles]")).to_contain_text(ROLE_LABELS[role])
        if viewport is PHONE:
            assert not page.locator("[data-testid=main-nav]").is_visible()
            w.shot(f"{role}-home-{name}-menu-closed")
            page.click(".navbar-toggler")
            page.locator("#nav.show").wait_for()  # the opening animation has finished
        assert nav_items(page) == NAV[role]
        w.shot(f"{role}-home-{name}-zh")

        click_through(page, "button[name=language][value=en]")
        assert page.locator("html").get_attribute("lang") == "en"
        if viewport is PHONE:
            page.click(".navbar-toggler")
            page.locator("#nav.show").wait_for()
        assert nav_items(page)[0] == "Home"
        w.shot(f"{role}-home-{name}-en")
        click_through(page, "button[name=language][value=zh]")

        if viewport is PHONE:
            page.click(".navbar-toggler")
            page.locator("#nav.show").wait_for()  # the longer menu takes a moment to open
        page.click("[data-testid=user-menu]")
        click_through(page, "[data-testid=logout]")
        assert "/login" in page.url
        assert "您已在所有设备上退出登录" in page.content()
        assert w.errors == []


def test_wrong_password_is_explained(open_page):
    w = open_page()
    sign_in(w, "council", "wrong-password-1")
    assert "用户名或密码错误" in w.page.content()
    assert w.page.locator("input[name=username]").input_value() == "council"
    w.shot("login-wrong-password")
    assert w.errors == []


def test_admin_creates_a_user_who_then_signs_in(open_page):
    w = open_page()
    page = w.page
    sign_in(w, "admin")
    page.click("[data-testid=nav-admin]")
    click_through(page, "[data-testid=main-nav] >> text=用户")
    w.shot("admin-users-list")
    click_through(page, "text=新建用户")
    page.fill("input[name=username]", "e2e_xiaoli")
    page.fill("input[name=display_name]", "小李")
    page.fill("input[name=phone]", "13900001234")
    page.check("input[name=roles][value=leader]")
    page.fill("input[name=password]", "short")
    page.fill("input[name=confirm]", "short")
    click_through(page, "form button[type=submit]:has-text('保存')")
    assert "长度须为 8 到 128 个字符" in page.content()
    w.shot("admin-new-user-errors")
    page.fill("input[name=password]", "start2026")
    page.fill("input[name=confirm]", "start2026")
    click_through(page, "form button[type=submit]:has-text('保存')")
    assert "已创建用户 e2e_xiaoli" in page.content()
    w.shot("admin-user-created")

    w2 = open_page(PHONE)
    sign_in(w2, "e2e_xiaoli", "start2026")
    assert "/account/password" in w2.page.url
    w2.page.fill("input[name=current]", "start2026")
    w2.page.fill("input[name=password]", "mine2026x")
    w2.page.fill("input[name=confirm]", "mine2026x")
    w2.shot("first-login-change-password-phone")
    click_through(w2.page, "form button[type=submit]:has-text('修改密码')")
    assert "密码已修改" in w2.page.content()
    assert w.errors == [] and w2.errors == []


def test_admin_deactivates_after_confirming(open_page):
    w = open_page()
    page = w.page
    sign_in(w, "admin")
    page.goto("/accounts/users?q=merchant")
    click_through(page, "table >> text=merchant")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button:has-text('停用')")
    assert "已停用" not in page.locator("h1").inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    click_through(page, "button:has-text('停用')")
    assert "账号已停用" in page.content()
    w.shot("admin-user-deactivated")
    click_through(page, "button:has-text('重新启用')")
    assert "账号已重新启用" in page.content()
    assert w.errors == []


def test_auditor_browses_and_exports_the_audit_trail(open_page):
    w = open_page()
    page = w.page
    sign_in(w, "auditor")
    page.click("[data-testid=nav-admin]")
    click_through(page, "[data-testid=main-nav] >> text=审计日志")
    page.select_option("select[name=action]", "user.create")
    click_through(page, "button:has-text('筛选')")
    expect(page.locator("table")).to_contain_text("创建用户")
    w.shot("auditor-audit-trail")
    with page.expect_download() as download:
        page.click("[data-testid=audit-export]")
    path = download.value.path()
    with open(path, encoding="utf-8-sig") as fh:
        text = fh.read()
    assert "user.create" in text
    click_through(page, page.locator("table a").first)
    w.shot("auditor-audit-entry")
    assert w.errors == []


def test_phone_users_list_is_readable(open_page):
    w = open_page(PHONE)
    sign_in(w, "admin")
    w.page.goto("/accounts/users")
    width = w.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    w.shot("admin-users-phone")
    w.page.goto("/audit/")
    assert w.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    w.shot("audit-phone")
    assert w.errors == []


def test_a_mistyping_volunteer_is_warned_then_unlocked_by_staff(open_page):
    w = open_page(PHONE)
    page = w.page
    for attempt in range(1, 6):
        sign_in(w, "volunteer", "wrong-pass-1")
        if attempt == 4:
            assert "再输错 1 次" in page.content()
            w.shot("volunteer-one-try-left-phone")
    assert "账号现已被锁定" in page.content()
    sign_in(w, "volunteer")
    assert "社区党群服务中心为您解锁" in page.content()
    w.shot("volunteer-locked-phone")

    staff = open_page()
    sign_in(staff, "admin")
    staff.page.goto("/accounts/users")
    staff.page.select_option("select[name=status]", "locked")
    click_through(staff.page, "button:has-text('筛选')")
    rows = staff.page.locator("tbody tr")
    assert rows.count() == 1 and "volunteer" in rows.first.inner_text()
    staff.shot("admin-locked-users")
    click_through(staff.page, "tbody >> text=volunteer")
    click_through(staff.page, "button:has-text('解锁登录')")
    assert "已解除此账号的登录锁定" in staff.page.content()

    sign_in(w, "volunteer")
    assert page.url.endswith("/")
    assert w.errors == [] and staff.errors == []
