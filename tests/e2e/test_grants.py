"""A micro-venture grant in a real browser, on the demo community: staff open a round
and put the panel together, the demo leader applies, three council members and the
external expert declare and score, the council's votes are recorded at a meeting, the
notice shows the grant to an anonymous visitor, and once the notice is over staff award
the grant, record the signed agreement and pay the first tranche, which appears in the
fund's journal and on its statement. Screenshots (desktop and 390 px) in artifacts/."""

import io
import re
import sqlite3
from datetime import timedelta

import pypdf
from playwright.sync_api import expect

from charity.models_base import local_today
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, click_through, sign_in

ROUND = "2026年东怡社区慈善微创投（第二批）"
TITLE = "楼道微花园共建"
PANEL = [("council", "李建国"), ("council", "周淑芬"), ("council", "黄志强"), ("expert", "孙慧敏")]
REVIEWERS = ("council", "council2", "council3", "expert")


def _choose(page, select, text):
    """Select the option of ``select`` whose label contains ``text``."""
    value = page.eval_on_selector(
        select, "(el, t) => [...el.options].find(o => o.textContent.includes(t)).value", text)
    page.select_option(select, value)


def _live_db(tmp_path_factory):
    return next(tmp_path_factory.getbasetemp().glob("live*/live.sqlite"))


def _as(open_page, username, viewport=DESKTOP):
    w = open_page(viewport)
    sign_in(w, username)
    return w


def _open_round(open_page):
    w = _as(open_page, "admin")
    page = w.page
    page.goto("/grants/rounds/new")
    page.fill("input[name=name]", ROUND)
    page.fill("input[name=cap]", "60000")
    page.fill("input[name=max_per_application]", "8000")
    page.fill("input[name=opens_on]", (local_today() - timedelta(days=1)).isoformat())
    page.fill("input[name=closes_on]", (local_today() + timedelta(days=30)).isoformat())
    click_through(page, "[data-testid=round-form] button[type=submit]")
    assert ROUND in page.content()
    for kind, name in PANEL:
        form = f"[data-testid=panel-add-{kind}]"
        _choose(page, f"{form} select[name$=user_id]", name)
        click_through(page, f"{form} button[type=submit]")
    panel = page.locator("[data-testid=panel]").inner_text()
    assert all(name in panel for _k, name in PANEL)
    round_url = page.url
    w.shot("grants-round-panel-desktop")
    # The council meeting at which the votes are cast.
    page.goto("/needs/meetings/new")
    page.fill("input[name=held_on]", local_today().isoformat())
    page.fill("input[name=title]", "联席会（微创投第二批评审）")
    for _kind, name in PANEL[:3]:
        page.get_by_label(name, exact=True).check()
    click_through(page, "main form[method=post] button[type=submit], .form-narrow form button[type=submit]")
    assert "微创投第二批评审" in page.content()
    assert w.errors == []
    return round_url


def _apply(open_page, round_url):
    w = _as(open_page, "leader")
    page = w.page
    page.goto(round_url)
    click_through(page, "[data-testid=apply]")
    page.fill("input[name=title]", TITLE)
    page.fill("textarea[name=summary]", "与居民一起把楼道角落改造成微花园，由小朋友认养花草。")
    page.locator("input[name=target_groups][value=children]").check()
    page.fill("textarea[name=planned_activities]", "认养启动会、每月养护日、成果展示")
    page.fill("input[name='lines-0-item']", "花苗与花盆")
    page.fill("input[name='lines-0-quantity']", "40")
    page.fill("input[name='lines-0-unit_cost']", "75")
    page.fill("input[name='lines-1-item']", "工具与种植土")
    page.fill("input[name='lines-1-quantity']", "1")
    page.fill("input[name='lines-1-unit_cost']", "1200")
    w.shot("grants-apply-desktop")
    click_through(page, "[data-testid=application-form] button[type=submit]")
    click_through(page, "[data-testid=step-submit]")
    expect(page.locator("[data-testid=requested]")).to_contain_text("4,200.00")
    application_url = page.url
    w.shot("grants-application-submitted-desktop")
    assert w.errors == []
    return application_url


def _review(open_page, application_url):
    w = _as(open_page, "admin")
    w.page.goto(application_url)
    click_through(w.page, "[data-testid=step-start_review]")
    for username in REVIEWERS:
        w = _as(open_page, username, PHONE if username == "expert" else DESKTOP)
        page = w.page
        page.goto(application_url)
        page.select_option("[data-testid=conflict-form] select[name=kind]", "none")
        click_through(page, "[data-testid=conflict-form] button[type=submit]")
        for box in page.locator("[data-testid=score-form] input[name^=points_]").all():
            box.fill("8")
        if username == "expert":
            w.shot("grants-expert-scores-phone")
        click_through(page, "[data-testid=score-form] button[type=submit]")
        assert "8.00" in page.content()
        assert w.errors == []


def _vote_and_publish(open_page, application_url):
    w = _as(open_page, "council")
    page = w.page
    page.goto(application_url)
    expect(page.locator("[data-testid=score-summary]")).to_contain_text("8.00")
    _choose(page, "[data-testid=vote-form] select[name=meeting_id]", "微创投第二批评审")
    for select in page.locator("[data-testid=vote-form] select[name^=vote_]").all():
        select.select_option("approve")
    page.fill("[data-testid=vote-form] input[name=approved]", "4000")
    page.fill("[data-testid=vote-form] textarea[name=conditions]", "每次养护活动须留存签到表与照片。")
    click_through(page, "[data-testid=vote-form] button[type=submit]")
    expect(page.locator("[data-testid=approved]")).to_contain_text("4,000.00")
    w.shot("grants-council-vote-desktop")
    w = _as(open_page, "admin")
    w.page.goto(application_url)
    click_through(w.page, "[data-testid=step-publish]")
    assert w.errors == []


def _public_notice(open_page):
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        w = open_page(viewport)
        w.page.goto("/p/dongyi/grants")
        text = w.page.content()
        assert TITLE in text and "小暖芽" in text and "4,000.00" in text and "孙慧敏" in text
        assert "13880010003" not in text  # nothing personal: no leader's phone
        w.shot(f"grants-public-notice-{name}")
        assert w.errors == []


def _notice_is_over(tmp_path_factory):
    """Test set-up: the five working days pass (the notice moves two weeks back)."""
    with sqlite3.connect(_live_db(tmp_path_factory)) as con:
        con.execute("UPDATE grant_application SET notice_starts_on = ?, notice_ends_on = ? WHERE title = ?",
                    ((local_today() - timedelta(days=14)).isoformat(),
                     (local_today() - timedelta(days=8)).isoformat(), TITLE))


def _award_sign_pay(open_page):
    w = _as(open_page, "admin")
    page = w.page
    page.goto("/grants/awarded")
    row = page.locator("[data-testid=ready] tr", has_text=TITLE)
    click_through(page, row.locator("a.btn"))
    w.shot("grants-award-form-desktop")
    click_through(page, "[data-testid=submit]")
    expect(page.locator("[data-testid=signed]")).to_contain_text("尚未签订")
    assert page.locator("[data-testid=pay-1]").count() == 0  # no money before the signatures
    agreement_no = re.search(r"DONGYI-\d{4}-WCT-\d+", page.content()).group(0)
    pdf = page.request.get(page.locator("[data-testid=agreement-pdf]").get_attribute("href")).body()
    (ARTIFACTS / "grants-agreement.pdf").write_bytes(pdf)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert agreement_no in text and TITLE in text and "2,000.00" in text
    click_through(page, "[data-testid=record-signed]")
    page.fill("input[name=team_signatory]", "张小暖")
    page.fill("input[name=centre_signatory]", "王晓燕")
    click_through(page, "[data-testid=submit]")
    click_through(page, "[data-testid=pay-1]")
    w.shot("grants-pay-tranche-desktop")
    click_through(page, "[data-testid=submit]")
    expect(page.locator("[data-testid=tranche-1-state]")).to_contain_text("已拨付")
    expect(page.locator("[data-testid=disbursed]")).to_contain_text("2,000.00")
    w.shot("grants-grant-detail-desktop")
    grant_url = page.url
    assert w.errors == []
    return agreement_no, grant_url


def _fund_shows_it(open_page, agreement_no, grant_url):
    w = _as(open_page, "auditor")
    page = w.page
    page.goto("/fund/journal")
    assert agreement_no in page.content()
    w.shot("grants-fund-journal-desktop")
    year = local_today().year
    pdf = page.request.get(f"/fund/statement.pdf?period={year}").body()
    (ARTIFACTS / "grants-fund-statement.pdf").write_bytes(pdf)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    assert agreement_no in text
    statement = page.request.get(f"{grant_url}/statement.pdf").body()
    (ARTIFACTS / "grants-grant-statement.pdf").write_bytes(statement)
    assert "2,000.00" in "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(statement)).pages)
    assert w.errors == []
    w = _as(open_page, "leader", PHONE)
    w.page.goto(grant_url)
    expect(w.page.locator("[data-testid=disbursed]")).to_contain_text("2,000.00")
    w.shot("grants-grant-detail-leader-phone")
    w.page.goto("/grants/awarded")
    w.shot("grants-awarded-list-leader-phone")
    assert w.errors == []


def test_apply_review_vote_notice_award_sign_and_pay(open_page, tmp_path_factory):
    round_url = _open_round(open_page)
    application_url = _apply(open_page, round_url)
    _review(open_page, application_url)
    _vote_and_publish(open_page, application_url)
    _public_notice(open_page)
    _notice_is_over(tmp_path_factory)
    agreement_no, grant_url = _award_sign_pay(open_page)
    _fund_shows_it(open_page, agreement_no, grant_url)
