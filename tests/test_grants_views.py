"""Grant pages through HTTP: the public notice shows only what is public, anyone may
object, a leader applies through the form, an expert sees only their panel's round, the
scores stay hidden until complete, and the round summary PDF (web and command line)."""

import io
import re

import pypdf
import pytest
import sqlalchemy as sa

from charity.extensions import db
from charity.grants import applications, review
from charity.grants import notice as public_notice
from charity.grants.models import Application, ApplicationState, Objection
from tests.grants_helpers import community, make_application, make_round, make_team, to_notice, user


@pytest.fixture
def notice(app, world):
    """One grant in public notice (with an objection lodged) and one still in review."""
    with app.app_context():
        rnd = make_round(world)
        shown = make_application(world, rnd, make_team(world), title="亲子共读·绘本时光")
        hidden = make_application(world, rnd, make_team(world, "银龄守望探访队", phone="13900000002"),
                                  title="空巢老人入户探访")
        to_notice(world, shown)
        public_notice.lodge_objection(community(world), shown.id, name="李女士", contact="13800001111",
                                      reason="该团队去年的活动记录不全")
        db.session.commit()
        return shown.id, hidden.id


def test_the_public_page_shows_the_notice_to_anyone_and_nothing_more(app, world, notice):
    shown_id, hidden_id = notice
    page = app.test_client().get("/p/dongyi/grants")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for public in ("亲子共读·绘本时光", "小暖芽亲子志愿者服务队", "¥3,000.00", "委员2", "用户"):
        assert public in html, public
    assert "空巢老人入户探访" not in html  # still in review
    assert "13800001111" not in html and "李女士" not in html  # the objection and its contact
    assert not re.search(r"1[3-9]\d{9}", html)  # no phone number of anyone
    assert "13900000001" not in html
    for private in ("加权", "Weighted", "赞成", "弃权", "评分", "7.00"):
        assert private not in html, private


def test_anyone_may_object_without_signing_in(app, world, notice):
    shown_id, _hidden = notice
    client = app.test_client()
    client.get("/p/dongyi/grants")
    response = client.submit(f"/p/dongyi/grants/{shown_id}/objection",
                             {"name": "王先生", "contact": "wx:wang", "reason": "预算偏高"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Objection.id))) == 2


def test_one_address_lodges_a_few_objections_a_day_not_a_flood(app, world, notice):
    shown_id, _hidden = notice
    app.config["GRANT_OBJECTIONS_PER_ADDRESS_PER_DAY"] = 2
    url = f"/p/dongyi/grants/{shown_id}/objection"
    flood = app.test_client()
    flood.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for n in range(2):
        assert flood.submit(url, {"name": f"甲{n}", "contact": "x", "reason": "预算偏高"}).status_code == 302
    refused = flood.submit(url, {"name": "甲3", "contact": "x", "reason": "预算偏高"})
    assert refused.status_code == 422
    assert "今天从该网络提交的异议过多" in refused.get_data(as_text=True)
    # Another address is not held back by the first one's limit.
    neighbour = app.test_client()
    neighbour.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert neighbour.submit(url, {"name": "乙", "contact": "y", "reason": "活动记录不全"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Objection.id))) == 1 + 2 + 1


def test_an_objection_needs_csrf_and_its_fields(app, world, notice):
    shown_id, hidden_id = notice
    client = app.test_client()
    assert client.post(f"/p/dongyi/grants/{shown_id}/objection",
                       data={"name": "a", "contact": "b", "reason": "c"}).status_code == 400
    response = client.submit(f"/p/dongyi/grants/{shown_id}/objection", {"name": "王先生"})
    assert response.status_code == 422
    # A grant not in its notice period takes no objection.
    assert client.submit(f"/p/dongyi/grants/{hidden_id}/objection",
                         {"name": "a", "contact": "b", "reason": "c"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Objection.id))) == 1


def test_an_unknown_community_has_no_public_page(app, world):
    assert app.test_client().get("/p/nowhere/grants").status_code == 404


def _application_form(lines):
    data = {"title": "亲子共读", "summary": "每月两次", "planned_activities": "共读", "target_groups": "children"}
    for i, (item, qty, unit) in enumerate(lines):
        data.update({f"lines-{i}-item": item, f"lines-{i}-quantity": str(qty), f"lines-{i}-unit_cost": unit,
                     f"lines-{i}-partner_id": "0"})
    return data


def test_a_leader_applies_through_the_form(app, world, login_as):
    with app.app_context():
        rnd = make_round(world)
        team = make_team(world)
        db.session.commit()
        rnd_id, team_id = rnd.id, team.id
    client = login_as("leader")
    url = f"/grants/rounds/{rnd_id}/apply/{team_id}"
    assert client.get(url).status_code == 200
    bad = client.submit(url, _application_form([("绘本", 10, "abc"), ("场地", 1, "6000")]))
    assert bad.status_code == 422
    too_much = client.submit(url, _application_form([("设备", 1, "5000.01")]))
    assert too_much.status_code == 422 and "最高资助" in too_much.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0
    ok = client.submit(url, _application_form([("绘本", 20, "45"), ("场地布置", 2, "150.50")]))
    assert ok.status_code == 302
    with app.app_context():
        application = db.session.scalar(sa.select(Application))
        assert application.requested_fen == 20 * 4500 + 2 * 15050
        assert application.state == ApplicationState.draft
        app_id = application.id
    assert client.submit(f"/grants/applications/{app_id}/step", {"action": "submit"}).status_code == 302
    with app.app_context():
        assert db.session.get(Application, app_id).state == ApplicationState.submitted
    # Staff steps are not the leader's.
    assert client.submit(f"/grants/applications/{app_id}/step", {"action": "start_review"}).status_code == 403


def test_an_expert_sees_only_the_rounds_of_their_panel(app, world, login_as):
    with app.app_context():
        mine = make_round(world)
        other = make_round(world, name="2027年微创投", expert=False, extra_council=0)
        team = make_team(world)
        seen = make_application(world, mine, team)
        unseen = make_application(world, other, make_team(world, "另一队", phone="13900000002"), title="另一项目")
        db.session.commit()
        ids = (mine.id, other.id, seen.id, unseen.id)
    client = login_as("expert")
    mine_id, other_id, seen_id, unseen_id = ids
    assert client.get(f"/grants/rounds/{mine_id}").status_code == 200
    assert client.get(f"/grants/applications/{seen_id}").status_code == 200
    assert client.get(f"/grants/rounds/{other_id}").status_code == 404
    assert client.get(f"/grants/applications/{unseen_id}").status_code == 404
    listing = client.get("/grants/").get_data(as_text=True)
    assert "2026年微创投" in listing and "2027年微创投" not in listing
    for elsewhere in ("/teams", "/projects", "/fund/", "/needs/", "/partners/", "/accounts/users"):
        assert client.get(elsewhere).status_code == 403, elsewhere


def test_scores_stay_hidden_until_every_reviewer_has_scored(app, world, login_as):
    with app.app_context():
        rnd = make_round(world, extra_council=0)
        application = make_application(world, rnd, make_team(world))
        db.session.commit()
        app_id, criteria = application.id, [c.id for c in rnd.criteria]
    expert = login_as("expert")
    assert expert.submit(f"/grants/applications/{app_id}/conflict", {"kind": "none"}).status_code == 302
    scores = {f"points_{c}": "9" for c in criteria}
    assert expert.submit(f"/grants/applications/{app_id}/score", scores).status_code == 302
    page = expert.get(f"/grants/applications/{app_id}").get_data(as_text=True)
    assert 'data-testid="scores-hidden"' in page and 'data-testid="score-summary"' not in page
    council = login_as("council")
    council.submit(f"/grants/applications/{app_id}/conflict", {"kind": "other", "reason": "亲属"})
    page = council.get(f"/grants/applications/{app_id}").get_data(as_text=True)
    assert 'data-testid="recused"' in page
    # The council member recused: the expert was the only one to score, so results show.
    assert 'data-testid="score-summary"' in page and "9.00" in page
    refused = council.submit(f"/grants/applications/{app_id}/score", scores)
    assert refused.status_code == 422


def _pdf_text(pdf):
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_round_summary_pdf_lists_scores_recusals_votes_and_decisions(app, world, login_as):
    from charity.grants.models import ConflictKind
    from tests.grants_helpers import approve

    with app.app_context():
        rnd = make_round(world)
        application = make_application(world, rnd, make_team(world), title="亲子共读·绘本时光")
        review.declare_conflict(application, user("council3"), ConflictKind.other, "本人为该队负责人的亲属")
        approve(world, application)
        rnd_id = rnd.id
    response = login_as("auditor").get(f"/grants/rounds/{rnd_id}/summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data).replace("\n", "")
    for expected in ("亲子共读·绘本时光", "小暖芽亲子志愿者服务队", "回避", "本人为该队负责人的亲属", "赞成",
                     "3,000.00", "叁仟元整"):
        assert expected in text, expected
    assert login_as("volunteer").get(f"/grants/rounds/{rnd_id}/summary.pdf").status_code == 403


def test_round_summary_from_the_command_line(app, world, runner, tmp_path):
    with app.app_context():
        rnd = make_round(world)
        make_application(world, rnd, make_team(world))
        rnd_id = rnd.id
    out = tmp_path / "round.pdf"
    result = runner.invoke(args=["report", "grant-round", "--community", "dongyi", "--round", str(rnd_id),
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "亲子共读" in _pdf_text(out.read_bytes())
    missing = runner.invoke(args=["report", "grant-round", "--community", "pinggang", "--round", str(rnd_id),
                                  "-o", str(out)])
    assert missing.exit_code != 0


def test_an_attachment_is_served_to_readers_and_a_lost_file_is_404(app, world, login_as):
    from charity.projects import uploads
    from tests.access_teams import png_bytes

    with app.app_context():
        application = make_application(world, make_round(world), make_team(world), state="draft")
        row = applications.add_attachment(application, png_bytes(), "预算说明.png", actor=user("leader"))
        db.session.commit()
        url, stored = f"/grants/attachments/{row.id}", row.stored_name
    response = login_as("leader").get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    with app.app_context():
        uploads.remove(stored)
    assert login_as("leader").get(url).status_code == 404
