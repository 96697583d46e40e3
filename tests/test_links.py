"""Cross-links between the domains: a project answers a need and draws on partners'
services; a need is matched to a service or a team. Each rule is refused with a named
error and changes nothing; the forms say why with a 422."""

import pytest
import sqlalchemy as sa

from charity.accounts.models import Community
from charity.audit.models import AuditEvent
from charity.extensions import db
from charity.needs import services as needs
from charity.needs.models import Need, NeedState
from charity.projects import services as projects
from charity.projects.models import Project, ProjectService
from charity.teams import services as teams
from tests.conftest import count_rows
from tests.fixtures_partners import make_meeting_in, make_need_in, make_partner_in, make_service_in


def make_team_in(app, community_id, name="骑手驿站互助队"):
    with app.app_context():
        team = teams.create_team(db.session.get(Community, community_id), name=name,
                                 focus_groups=["new_employment"])
        db.session.commit()
        return team.id


def make_project_in(app, community_id, **kw):
    with app.app_context():
        project = projects.create_project(db.session.get(Community, community_id), title="爱心义剪",
                                          target_groups=["elderly"], expected_activities=3, **kw)
        db.session.commit()
        return project.id


@pytest.fixture
def setting(app, world):
    """In A: an active service, a paused partner's service, an inactive service, an open
    need, a declined need and a team; in B: a service, a need and a team."""
    partner = make_partner_in(app, world.a)
    ns = {
        "service": make_service_in(app, partner),
        "inactive": make_service_in(app, partner, "停止服务", active=False),
        "paused": make_service_in(app, make_partner_in(app, world.a, "暂停商家", status="paused"), "暂停服务"),
        "need": make_need_in(app, world.a, description="5 栋独居老人希望上门理发"),
        "declined": make_need_in(app, world.a, description="钢琴课"),
        "team": make_team_in(app, world.a),
        "other_service": make_service_in(app, make_partner_in(app, world.b, "平岗商家"), "平岗服务"),
        "other_need": make_need_in(app, world.b, description="平岗的需求"),
        "other_team": make_team_in(app, world.b, "平岗服务队"),
    }
    with app.app_context():
        needs.transition(db.session.get(Need, ns["declined"]), "decline", reason="无资源")
        db.session.commit()
    return ns


def _links(app, project_id):
    with app.app_context():
        project = db.session.get(Project, project_id)
        return project.need_id, sorted(s.id for s in project.services)


# -- project ↔ need and services: service layer ------------------------------------------


def test_a_project_is_published_with_its_need_and_services_audited(app, world, setting):
    project_id = make_project_in(app, world.a, need_id=setting["need"], service_ids=[setting["service"]])
    assert _links(app, project_id) == (setting["need"], [setting["service"]])
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "project.create"))
        assert event.after["need"].startswith(f"#{setting['need']} ")
        assert event.after["services"] == ["东怡快剪理发店 · 爱心义剪"]


@pytest.mark.parametrize("kw,error", [
    ({"need_id": "other_need"}, projects.ProjectNeedInvalid),
    ({"need_id": "declined"}, projects.ProjectNeedInvalid),
    ({"service_ids": ["other_service"]}, projects.ProjectServiceInvalid),
    ({"service_ids": ["inactive"]}, projects.ProjectServiceInvalid),
    ({"service_ids": ["service", "paused"]}, projects.ProjectServiceInvalid),
], ids=["other-community-need", "declined-need", "other-community-service", "inactive-service",
        "paused-partner"])
def test_bad_links_are_refused_and_nothing_is_written(app, world, setting, kw, error):
    kw = {k: ([setting[x] for x in v] if isinstance(v, list) else setting[v]) for k, v in kw.items()}
    project_id = make_project_in(app, world.a)
    events = count_rows(app, AuditEvent)
    with app.app_context():
        with pytest.raises(error):
            projects.create_project(db.session.get(Community, world.a), title="新项目", **kw)
        db.session.rollback()
        with pytest.raises(error):
            projects.set_project_links(db.session.get(Project, project_id), **kw)
        db.session.rollback()
    assert count_rows(app, Project) == 1 and count_rows(app, ProjectService) == 0
    assert _links(app, project_id) == (None, [])
    assert count_rows(app, AuditEvent) == events


def test_links_change_with_before_and_after_and_keep_what_stopped(app, world, setting):
    project_id = make_project_in(app, world.a, need_id=setting["need"], service_ids=[setting["service"]])
    with app.app_context():
        # the linked service stops and the need closes: saving again keeps them
        from charity.partners.models import Service

        db.session.get(Service, setting["service"]).active = False
        need = db.session.get(Need, setting["need"])
        for action in ("match", "start", "close"):
            needs.transition(need, action, team_id=setting["team"] if action == "match" else None)
        db.session.commit()
        projects.set_project_links(db.session.get(Project, project_id), need_id=setting["need"],
                                   service_ids=[setting["service"]])
        db.session.commit()
        projects.set_project_links(db.session.get(Project, project_id), need_id=None, service_ids=[])
        db.session.commit()
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "project.links"))
        assert event.before["services"] == ["东怡快剪理发店 · 爱心义剪"] and event.after["services"] == []
        assert event.after["need"] is None
        # once dropped, the closed need and the stopped service cannot be linked again
        with pytest.raises(projects.ProjectNeedInvalid):
            projects.set_project_links(db.session.get(Project, project_id), need_id=setting["need"])
        db.session.rollback()
    assert _links(app, project_id) == (None, [])


# -- need matched to a team: service layer ----------------------------------------------------


def test_a_need_is_matched_to_a_team_at_a_meeting_and_audited(app, world, setting):
    meeting = make_meeting_in(app, world.a)
    with app.app_context():
        need = db.session.get(Need, setting["need"])
        needs.transition(need, "match", team_id=setting["team"], meeting_id=meeting, note="驿站对接")
        db.session.commit()
        need = db.session.get(Need, setting["need"])
        assert need.state == NeedState.matched and need.matched_team_id == setting["team"]
        assert need.matched_service_id is None and needs.match_target(need) == "骑手驿站互助队"
        assert [n.id for n in needs.matched_at(need.matched_meeting)] == [need.id]
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "need.match"))
        assert event.before["team"] is None and event.after["team"] == "骑手驿站互助队"
        needs.transition(need, "decline", reason="居民已搬离")
        needs.transition(need, "reopen")
        db.session.commit()
        assert db.session.get(Need, setting["need"]).matched_team_id is None


@pytest.mark.parametrize("kw,error", [
    ({"service_id": "service", "team_id": "team"}, needs.MatchTargetAmbiguous),
    ({}, needs.MatchTargetAmbiguous),
    ({"team_id": "other_team"}, needs.MatchTargetInvalid),
    ({"team_id": 999999}, needs.MatchTargetInvalid),
], ids=["both", "neither", "other-community-team", "no-such-team"])
def test_a_match_takes_exactly_one_target_of_this_community(app, world, setting, kw, error):
    kw = {k: setting.get(v, v) for k, v in kw.items()}
    events = count_rows(app, AuditEvent)
    with app.app_context():
        with pytest.raises(error):
            needs.transition(db.session.get(Need, setting["need"]), "match", **kw)
        db.session.rollback()
        need = db.session.get(Need, setting["need"])
        assert (need.state, need.matched_service_id, need.matched_team_id) == (NeedState.open, None, None)
    assert count_rows(app, AuditEvent) == events


def test_the_database_refuses_both_targets(app, world, setting):
    with app.app_context():
        need = db.session.get(Need, setting["need"])
        needs.transition(need, "match", service_id=setting["service"])
        db.session.commit()
        need.matched_team_id = setting["team"]
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


# -- pages -------------------------------------------------------------------------------------


def test_project_form_links_a_need_and_services(app, world, login_as, setting):
    council = login_as("council")
    page = council.get("/projects/new").get_data(as_text=True)
    assert "5 栋独居老人希望上门理发" in page and "钢琴课" not in page and "平岗的需求" not in page
    assert "爱心义剪" in page and "停止服务" not in page and "平岗服务" not in page
    r = council.submit("/projects/new", {"title": "义剪", "expected_activities": 2,
                                         "need_id": setting["other_need"], "service_ids": [setting["service"]]})
    assert r.status_code == 422
    r = council.submit("/projects/new", {"title": "义剪", "expected_activities": 2, "need_id": 0,
                                         "service_ids": [setting["inactive"]]})
    assert r.status_code == 422
    assert count_rows(app, Project) == 0
    r = council.submit("/projects/new", {"title": "义剪", "expected_activities": 2,
                                         "need_id": setting["need"], "service_ids": [setting["service"]]})
    assert r.status_code == 302
    page = council.get(r.headers["Location"]).get_data(as_text=True)
    assert f'href="/needs/{setting["need"]}"' in page and "东怡快剪理发店" in page
    # a volunteer sees the need as plain text, not a link to the needs list
    page = login_as("volunteer").get(r.headers["Location"]).get_data(as_text=True)
    assert "5 栋独居老人希望上门理发" in page and f'href="/needs/{setting["need"]}"' not in page


def test_project_links_page_changes_and_refuses(app, world, login_as, setting):
    project_id = make_project_in(app, world.a)
    admin = login_as("admin")
    assert admin.get(f"/projects/{project_id}/links").status_code == 200
    r = admin.submit(f"/projects/{project_id}/links", {"need_id": setting["declined"]})
    assert r.status_code == 422 and "invalid-feedback" in r.get_data(as_text=True)
    assert _links(app, project_id) == (None, [])
    r = admin.submit(f"/projects/{project_id}/links", {"need_id": setting["need"],
                                                       "service_ids": [setting["service"]]})
    assert r.status_code == 302
    assert _links(app, project_id) == (setting["need"], [setting["service"]])
    assert login_as("leader").get(f"/projects/{project_id}/links").status_code == 403


def test_match_form_takes_a_service_or_a_team(app, world, login_as, setting):
    council = login_as("council")
    url = f"/needs/{setting['need']}/match"
    page = council.get(f"/needs/{setting['need']}").get_data(as_text=True)
    assert "骑手驿站互助队" in page and "平岗服务队" not in page
    for data in ({"service_id": setting["service"], "team_id": setting["team"]},
                 {"service_id": 0, "team_id": 0}, {"team_id": setting["other_team"]}):
        r = council.submit(url, data)
        assert r.status_code == 422 and "invalid-feedback" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Need, setting["need"]).state == NeedState.open
    r = council.submit(url, {"service_id": 0, "team_id": setting["team"], "note": "驿站"})
    assert r.status_code == 302
    page = council.get(f"/needs/{setting['need']}").get_data(as_text=True)
    assert f'href="/teams/{setting["team"]}"' in page
    listing = council.get("/needs/").get_data(as_text=True)
    assert "骑手驿站互助队" in listing


def test_a_meeting_lists_a_need_matched_to_a_team_on_its_page_and_minutes(app, world, login_as, setting):
    import io

    import pypdf

    meeting = make_meeting_in(app, world.a)
    council = login_as("council")
    r = council.submit(f"/needs/{setting['need']}/match", {"team_id": setting["team"], "meeting_id": meeting})
    assert r.status_code == 302
    page = council.get(f"/needs/meetings/{meeting}").get_data(as_text=True)
    assert "→ 骑手驿站互助队" in page
    r = council.get(f"/needs/meetings/{meeting}/minutes.pdf")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(r.data)).pages)
    assert r.status_code == 200 and "骑手驿站互助队" in text
