"""Logging an activity through the web: the roster from the team's members, hours from
the activity's length, submission, verification, return, correction; and who sees what."""

import sqlalchemy as sa

from charity.extensions import db
from charity.projects.models import Activity, ActivityState
from tests.access_teams import build_scenario
from tests.conftest import count_rows


def _form(sc, **extra):
    data = {"title": "周末绘本共读", "kind": "reading", "day": "2026-05-09", "start": "09:00", "end": "10:30",
            "place": "东怡幼儿园", "description": "12 个家庭参加", "served_children": "12",
            "served_elderly": "0", f"member-{sc.lead_a}": "1", f"hours-{sc.lead_a}": "",
            f"member-{sc.member_a}": "1", f"hours-{sc.member_a}": "1.25"}
    data.update(extra)
    return data


def test_leader_logs_submits_and_staff_verify_and_counts_move(app, world, login_as):
    sc = build_scenario(app, world)
    leader = login_as("leader")
    page = leader.get(f"/projects/{sc.project_a}/activities/new").get_data(as_text=True)
    assert "赵阿姨" in page and f'name="member-{sc.member_a}"' in page
    r = leader.submit(f"/projects/{sc.project_a}/activities/new", _form(sc))
    assert r.status_code == 302, r.get_data(as_text=True)
    activity_id = int(r.headers["Location"].rsplit("/", 1)[-1])
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        assert {a.volunteer_id: a.minutes for a in activity.attendance} == {sc.lead_a: 90, sc.member_a: 75}
        assert activity.state == ActivityState.draft
        assert activity.starts_at.hour == 1  # 09:00 in Chengdu is 01:00 UTC
    assert leader.submit(f"/activities/{activity_id}/submit").status_code == 302
    admin = login_as("admin")
    before = admin.get("/counts?start=2026-05-01&end=2026-05-31").get_data(as_text=True)
    assert 'data-testid="count-activities">0<' in before
    assert admin.submit(f"/activities/{activity_id}/verify").status_code == 302
    after = admin.get("/counts?start=2026-05-01&end=2026-05-31").get_data(as_text=True)
    assert 'data-testid="count-activities">1<' in after
    assert 'data-testid="count-hours">2.75<' in after
    assert 'data-testid="count-people">12<' in after
    # locked now: the edit page sends back, a post changes nothing
    r = leader.submit(f"/activities/{activity_id}/edit", _form(sc, title="改名"))
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Activity, activity_id).title == "周末绘本共读"
    # the volunteer on the roster sees it in their own history
    volunteer = login_as("volunteer")
    mine = volunteer.get("/me/service").get_data(as_text=True)
    assert "周末绘本共读" in mine and 'data-testid="total-hours">1.25 小时<' in mine
    assert volunteer.get(f"/activities/{activity_id}").status_code == 200


def test_bad_roster_hours_are_refused_and_nothing_is_written(app, world, login_as):
    sc = build_scenario(app, world)
    leader = login_as("leader")
    before = count_rows(app, Activity)
    r = leader.submit(f"/projects/{sc.project_a}/activities/new", _form(sc, **{f"hours-{sc.member_a}": "1.1"}))
    assert r.status_code == 422
    assert "0.25" in r.get_data(as_text=True)
    r = leader.submit(f"/projects/{sc.project_a}/activities/new", _form(sc, end="08:00"))
    assert r.status_code == 422
    r = leader.submit(f"/projects/{sc.project_a}/activities/new", _form(sc, **{"extra-0": "999999"}))
    assert r.status_code == 422
    assert count_rows(app, Activity) == before


def test_return_with_reason_then_resubmit(app, world, login_as):
    sc = build_scenario(app, world)
    leader, admin = login_as("leader"), login_as("admin")
    leader.submit(f"/activities/{sc.activity_a}/submit")
    assert admin.submit(f"/activities/{sc.activity_a}/return", {"reason": ""}).status_code == 422
    admin.submit(f"/activities/{sc.activity_a}/return", {"reason": "请补签到表"})
    page = leader.get(f"/activities/{sc.activity_a}").get_data(as_text=True)
    assert "请补签到表" in page
    leader.submit(f"/activities/{sc.activity_a}/submit")
    with app.app_context():
        assert db.session.get(Activity, sc.activity_a).state == ActivityState.submitted


def test_correction_shows_the_roster_difference(app, world, login_as):
    sc = build_scenario(app, world)
    leader, admin = login_as("leader"), login_as("admin")
    leader.submit(f"/activities/{sc.activity_a}/submit")
    admin.submit(f"/activities/{sc.activity_a}/verify")
    r = leader.submit(f"/activities/{sc.activity_a}/amend")
    assert r.status_code == 302 and r.headers["Location"].endswith("/edit")
    amendment = int(r.headers["Location"].split("/")[-2])
    r = leader.submit(f"/activities/{amendment}/edit", _form(sc, day="2026-03-07", start="09:00", end="11:00",
                                                            **{f"hours-{sc.member_a}": "2"}))
    assert r.status_code == 302
    page = leader.get(f"/activities/{amendment}").get_data(as_text=True)
    assert 'data-testid="roster-difference"' in page and "+0.5" in page
    leader.submit(f"/activities/{amendment}/submit")
    admin.submit(f"/activities/{amendment}/verify")
    with app.app_context():
        assert db.session.get(Activity, sc.activity_a).state == ActivityState.superseded
        assert db.session.get(Activity, amendment).state == ActivityState.verified


def test_leader_of_team_b_cannot_see_or_change_team_a(app, world, login_as):
    sc = build_scenario(app, world)
    b = app.test_client()
    assert b.login("leader_b").status_code == 302
    assert b.get(f"/activities/{sc.activity_a}").status_code == 403
    assert b.get(f"/activities/{sc.activity_a}/edit").status_code == 403
    assert b.submit(f"/activities/{sc.activity_a}/edit", _form(sc)).status_code == 403
    assert b.submit(f"/activities/{sc.activity_a}/submit").status_code == 403
    assert b.get(f"/evidence/{sc.evidence_a}").status_code == 403
    assert b.submit(f"/evidence/{sc.evidence_a}/remove").status_code == 403
    assert b.get(f"/projects/{sc.project_a}/activities/new").status_code == 403
    assert b.submit(f"/teams/{sc.team_a}/members", {"volunteer_id": str(sc.lead_b)}).status_code == 403
    assert b.submit(f"/teams/{sc.team_a}/members/{sc.member_a_row}/leave").status_code == 403
    assert b.get(f"/volunteers/{sc.member_a}").status_code == 403
    listing = b.get("/activities").get_data(as_text=True)
    assert "绘本共读" not in listing and "入户探访" in listing
    team_page = b.get(f"/teams/{sc.team_a}").get_data(as_text=True)
    assert "绘本共读" not in team_page  # a draft of another team
    # and their own team works
    assert b.get(f"/activities/{sc.activity_b}").status_code == 200
    assert b.get(f"/evidence/{sc.evidence_b}").status_code == 200


def test_volunteer_sees_only_public_or_own(app, world, login_as):
    sc = build_scenario(app, world)
    volunteer = login_as("volunteer")
    assert volunteer.get(f"/activities/{sc.activity_a}").status_code == 403  # a draft, though on it
    assert volunteer.get(f"/evidence/{sc.evidence_a}").status_code == 403
    assert "绘本共读" not in volunteer.get("/activities").get_data(as_text=True)
    admin = login_as("admin")
    for activity in (sc.activity_a, sc.activity_b):
        with app.app_context():
            owner = "leader" if activity == sc.activity_a else None
        if owner:
            login_as(owner).submit(f"/activities/{activity}/submit")
        else:
            c = app.test_client()
            c.login("leader_b")
            c.submit(f"/activities/{activity}/submit")
        admin.submit(f"/activities/{activity}/verify")
    assert volunteer.get(f"/activities/{sc.activity_a}").status_code == 200  # on its roster
    assert volunteer.get(f"/evidence/{sc.evidence_a}").status_code == 200
    assert volunteer.get(f"/activities/{sc.activity_b}").status_code == 403  # verified, not theirs
    assert volunteer.get(f"/evidence/{sc.evidence_b}").status_code == 403
    team_b = volunteer.get(f"/teams/{sc.team_b}").get_data(as_text=True)
    assert "入户探访" in team_b  # verified activities are public on the team page
    assert "13900000003" not in team_b


def test_project_claim_confirm_through_the_web(app, world, login_as):
    sc = build_scenario(app, world)
    council = login_as("council")
    r = council.submit("/projects/new", {"title": "旧物升级工坊", "target_groups": ["special"],
                                         "expected_activities": "3"})
    assert r.status_code == 302
    project = int(r.headers["Location"].rsplit("/", 1)[-1])
    leader = login_as("leader")
    b = app.test_client()
    b.login("leader_b")
    # leader_b cannot claim for team A
    assert b.submit(f"/projects/{project}/claim", {"team_id": str(sc.team_a)}).status_code in (400, 403)
    assert leader.submit(f"/projects/{project}/claim", {"team_id": str(sc.team_a)}).status_code == 302
    assert "已认领" in leader.get(f"/projects/{project}").get_data(as_text=True)
    council.submit(f"/projects/{project}/confirm")
    from charity.projects.models import Project, ProjectState

    with app.app_context():
        p = db.session.get(Project, project)
        assert p.state == ProjectState.active and p.team_id == sc.team_a


def test_duplicate_phone_points_to_the_first_record(app, world, login_as):
    sc = build_scenario(app, world)
    admin = login_as("admin")
    r = admin.submit("/volunteers/new", {"name": "另一个人", "phone": "139-0000-0002", "role": "member"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "赵阿姨" in body and f"/volunteers/{sc.member_a}" in body
    leader = login_as("leader")
    r = leader.submit("/volunteers/new", {"name": "新志愿者", "phone": "13900000099", "role": "member",
                                          "team_id": str(sc.team_a), "consent_on": "2026-05-01"})
    assert r.status_code == 302
    r = leader.submit("/volunteers/new", {"name": "别队", "phone": "13900000098", "role": "member",
                                          "team_id": str(sc.team_b)})
    assert r.status_code == 422  # not a team they lead: not a valid choice
    from charity.teams.models import Volunteer

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Volunteer)
                                 .where(Volunteer.phone == "13900000098")) == 0


def test_role_history_from_participant_to_organiser(app, world, login_as):
    sc = build_scenario(app, world)
    leader = login_as("leader")
    r = leader.submit(f"/teams/{sc.team_a}/members/{sc.member_a_row}/role", {"role": "organiser"})
    assert r.status_code == 302
    page = leader.get(f"/teams/{sc.team_a}").get_data(as_text=True)
    assert 'data-testid="role-history"' in page and "组织者" in page
    assert "13900000002" not in page  # phones are not shown on the team page


def test_phones_masked_for_council_in_volunteer_list(app, world, login_as):
    build_scenario(app, world)
    council = login_as("council").get("/volunteers").get_data(as_text=True)
    assert "139****0002" in council and "13900000002" not in council
    admin = login_as("admin").get("/volunteers").get_data(as_text=True)
    assert "13900000002" in admin


def test_other_community_sees_none_of_a(app, world, login_as):
    build_scenario(app, world)
    other = login_as("other_admin")
    for url in ("/teams", "/projects", "/activities", "/volunteers", "/counts"):
        body = other.get(url).get_data(as_text=True)
        assert "小暖芽" not in body and "亲子共读" not in body and "赵阿姨" not in body, url
