"""Volunteer points in a real browser: the demo volunteer (赵阿姨) redeems a haircut at
东怡快剪理发店 and gets a code with a QR code; the demo merchant (刘师傅) confirms the
code and sees it in the month's settlement. Desktop and 390 px phone."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, click_through, sign_in


def _balance(page):
    return int(page.locator("[data-testid=points-balance]").inner_text())


def test_volunteer_redeems_a_haircut_and_the_merchant_confirms_the_code(open_page):
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        w = open_page(viewport)
        page = w.page
        sign_in(w, "volunteer")
        click_through(page, "[data-testid=home-points]")
        before = _balance(page)
        assert "爱心存折" in page.content() and "绘本共读" in page.content()
        w.shot(f"points-mine-{name}")
        click_through(page, "[data-testid=to-shop]")
        card = page.locator(".card", has_text="积分兑换理发")
        w.shot(f"points-shop-{name}")
        click_through(page, card.locator("button[type=submit]"))
        assert "兑换码已生成" in page.content()
        code = page.locator("[data-testid=code]").inner_text().strip()
        assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)
        assert page.locator("[data-testid=qr] svg").count() == 1
        expect(page.locator("[data-testid=redemption-state]")).to_contain_text("待使用")
        w.shot(f"points-code-{name}")
        code_page = page.url
        page.goto("/points/me")
        assert _balance(page) == before - 50
        expect(page.locator("[data-testid=pending-codes]")).to_contain_text("积分兑换理发")
        assert w.errors == []

        m = open_page(viewport)
        sign_in(m, "merchant")
        click_through(m.page, "[data-testid=home-codes]")
        expect(m.page.locator("[data-testid=merchant-queue]")).to_contain_text("积分兑换理发")
        m.page.fill("input[name=code]", "WRONG-CODE9")
        click_through(m.page, "[data-testid=confirm-code]")
        assert "没有与之匹配" in m.page.content()
        m.shot(f"points-merchant-error-{name}")
        m.page.fill("input[name=code]", code.lower())
        m.shot(f"points-merchant-queue-{name}")
        click_through(m.page, "[data-testid=confirm-code]")
        assert f"兑换码 {code} 已核销" in m.page.content()
        click_through(m.page, "[data-testid=settlement-link]")
        expect(m.page.locator("[data-testid=settlement]")).to_contain_text(code)
        m.shot(f"points-settlement-{name}")
        assert m.errors == []

        page.goto(code_page)  # the volunteer's code page again: used now, no QR code left
        expect(page.locator("[data-testid=redemption-state]")).to_contain_text("已使用")
        assert page.locator("[data-testid=qr]").count() == 0
        page.goto("/points/leaderboard")
        w.shot(f"points-leaderboard-{name}")
        assert w.errors == []


def test_staff_see_accounts_rules_and_expiry(open_page):
    w = open_page(DESKTOP)
    sign_in(w, "admin")
    w.page.goto("/points/")
    assert "赵阿姨" in w.page.content()
    w.shot("points-accounts-desktop")
    click_through(w.page, w.page.locator("[data-testid=accounts] a", has_text="赵阿姨"))
    assert "代志愿者兑换" in w.page.content()
    w.shot("points-volunteer-staff-desktop")
    w.page.goto("/points/rules")
    w.shot("points-rules-desktop")
    assert w.errors == []
    p = open_page(PHONE)
    sign_in(p, "admin")
    p.page.goto(f"/points/volunteers/{w.page.url.rstrip('/').split('/')[-1]}")
    p.shot("points-volunteer-staff-phone")
    assert p.errors == []
