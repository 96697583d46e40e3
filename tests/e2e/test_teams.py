"""The demo leader logs an activity on a phone, with a roster and a photo; staff verify
it; the counts move. Screenshots in tests/e2e/artifacts/teams-*.png."""

import io
import re

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, click_through, sign_in


def _photo():
    image = Image.new("RGB", (1200, 900), (90, 160, 210))
    draw = ImageDraw.Draw(image)
    draw.ellipse([450, 250, 750, 550], fill=(250, 220, 120))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def _count(page, name):
    return page.locator(f"[data-testid=count-{name}]").inner_text().strip()


def test_leader_logs_on_a_phone_staff_verify_counts_move(open_page):
    admin = open_page(DESKTOP)
    sign_in(admin, "admin")
    admin.page.goto("/counts?start=2026-01-01&end=2026-12-31")
    assert _count(admin.page, "activities") == "24"
    assert _count(admin.page, "teams") == "8" and _count(admin.page, "projects") == "8"
    hours_before = float(_count(admin.page, "hours"))
    people_before = int(_count(admin.page, "people"))
    admin.shot("teams-counts-desktop-before")

    w = open_page(PHONE)
    page = w.page
    sign_in(w, "leader")
    page.goto("/teams")
    w.shot("teams-list-phone")
    click_through(page, "a:has-text('小暖芽亲子志愿者服务队')")
    expect(page.locator("[data-testid=members]")).to_contain_text("赵阿姨")
    w.shot("teams-team-page-phone")
    click_through(page, "a:has-text('亲子共读·绘本时光')")
    click_through(page, "[data-testid=log-activity]")
    page.fill("input[name=title]", "周末亲子绘本共读")
    page.select_option("select[name=kind]", "reading")
    page.fill("input[name=day]", "2026-11-21")
    page.fill("input[name=start]", "09:00")
    page.fill("input[name=end]", "10:30")
    page.fill("input[name=place]", "东怡幼儿园")
    roster = page.locator("[data-testid=roster]")
    roster.locator("label.btn", has_text="张小暖").click()
    roster.locator("label.btn", has_text="赵阿姨").click()
    hours = roster.locator("input.js-roster-hours")
    assert hours.nth(0).input_value() == "1.5"  # from the activity's length
    hours.nth(1).fill("1.25")
    page.fill("input[name=served_children]", "15")
    # nothing is wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    w.shot("teams-activity-form-phone")
    click_through(page, "[data-testid=save-activity]")
    expect(page.locator("[data-testid=activity-state]")).to_contain_text("草稿")
    page.set_input_files("input[name=file]", files=[{"name": "IMG_2041.JPG", "mimeType": "image/jpeg",
                                                      "buffer": _photo()}])
    click_through(page, "[data-testid=upload]")
    page.locator("img.evidence-thumb").wait_for()
    assert page.locator("img.evidence-thumb").evaluate("img => img.naturalWidth") > 0
    w.shot("teams-activity-draft-phone")
    click_through(page, "[data-testid=submit-activity]")
    expect(page.locator("[data-testid=activity-state]")).to_contain_text("待审核")
    activity_url = page.url
    assert w.errors == []

    admin.page.goto("/activities?state=submitted")
    click_through(admin.page, "a:has-text('周末亲子绘本共读')")
    assert admin.page.url == activity_url
    admin.shot("teams-activity-to-verify-desktop")
    click_through(admin.page, "[data-testid=verify-activity]")
    expect(admin.page.locator("[data-testid=activity-state]")).to_contain_text("已审核")
    admin.page.goto("/counts?start=2026-01-01&end=2026-12-31")
    assert _count(admin.page, "activities") == "25"
    assert float(_count(admin.page, "hours")) == hours_before + 2.75
    assert int(_count(admin.page, "people")) == people_before + 15
    admin.shot("teams-counts-desktop-after")
    assert admin.errors == []

    page.goto("/counts?start=2026-11-01&end=2026-11-30")
    assert re.fullmatch(r"\d+", _count(page, "activities"))
    w.shot("teams-counts-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    volunteer = open_page(PHONE)
    sign_in(volunteer, "volunteer")
    volunteer.page.goto("/me/service")
    assert "周末亲子绘本共读" in volunteer.page.content()
    volunteer.shot("teams-my-service-phone")
    assert volunteer.errors == [] and w.errors == []
