"""Who may reach each route of teams, projects, activities and evidence, and a shared
scenario the domain's tests build on.

The scenario (community A): team A led by the ``leader`` user (through a linked volunteer),
team B led by ``leader_b``; an active project of each team; a draft activity of each with
a roster and a photo. The ``volunteer`` user is a member of team A.
"""

import io
from datetime import date, datetime, timezone
from types import SimpleNamespace

from PIL import Image

from tests.access_rules import FORBIDDEN, INVALID, MEMBERS, MISSING, REDIRECT, UNPROCESSABLE, rule

STAFF = {"admin", "council", "auditor"}
MANAGERS = {"admin", "leader"}


def png_bytes(colour=(200, 80, 60), size=(64, 48)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def build_scenario(app, world):
    """Build the scenario once per app (each test has its own app and database)."""
    cached = app.extensions.get("teams_scenario")
    if cached is not None:
        return cached
    from charity.accounts import services as accounts
    from charity.accounts.models import Community, User
    from charity.extensions import db
    from charity.projects import services as projects
    from charity.teams import services as teams
    from charity.teams.models import TeamRole
    from tests.conftest import PASSWORD

    with app.test_request_context():
        community = db.session.get(Community, world.a)
        leader = db.session.get(User, world.users["leader"])
        volunteer_user = db.session.get(User, world.users["volunteer"])
        leader_b = accounts.create_user(community, username="leader_b", display_name="乙队长",
                                        password=PASSWORD, roles=["leader"], must_change_password=False)
        team_a = teams.create_team(community, name="小暖芽亲子志愿者服务队", focus_groups=["children"])
        team_b = teams.create_team(community, name="银发互助队", focus_groups=["elderly"])
        lead_a = teams.create_volunteer(community, name="张小暖", phone="13900000001", user=leader,
                                        team=team_a, role=TeamRole.leader, joined_on=date(2026, 1, 1))
        member_a = teams.create_volunteer(community, name="赵阿姨", phone="13900000002", user=volunteer_user,
                                          team=team_a, joined_on=date(2026, 1, 1))
        lead_b = teams.create_volunteer(community, name="乙队长", phone="13900000003", user=leader_b,
                                        team=team_b, role=TeamRole.leader, joined_on=date(2026, 1, 1))
        project_a = projects.create_project(community, title="亲子共读", target_groups=["children"],
                                            expected_activities=3)
        project_b = projects.create_project(community, title="空巢老人探访", target_groups=["elderly"])
        for project, team in ((project_a, team_a), (project_b, team_b)):
            projects.transition_project(project, "claim", team=team)
            projects.transition_project(project, "confirm")
        start = datetime(2026, 3, 7, 1, 0, tzinfo=timezone.utc)  # 09:00 in Chengdu
        end = datetime(2026, 3, 7, 3, 0, tzinfo=timezone.utc)
        activity_a = projects.create_activity(
            project_a, title="绘本共读", kind="reading", starts_at=start, ends_at=end, place="幼儿园",
            roster={lead_a.id: 120, member_a.id: 90}, beneficiaries={"children": 12})
        activity_b = projects.create_activity(
            project_b, title="入户探访", kind="visit", starts_at=start, ends_at=end,
            roster={lead_b.id: 120}, beneficiaries={"elderly": 4})
        evidence_a = projects.add_evidence(activity_a, data=png_bytes(), filename="photo.png")
        evidence_b = projects.add_evidence(activity_b, data=png_bytes((20, 90, 200)), filename="b.png")
        db.session.commit()
        scenario = SimpleNamespace(
            team_a=team_a.id, team_b=team_b.id, lead_a=lead_a.id, member_a=member_a.id, lead_b=lead_b.id,
            member_a_row=member_a.memberships[0].id, project_a=project_a.id, project_b=project_b.id,
            activity_a=activity_a.id, activity_b=activity_b.id, evidence_a=evidence_a.id,
            evidence_b=evidence_b.id, leader_b=leader_b.id)
    app.extensions["teams_scenario"] = scenario
    return scenario


SAMPLES = {
    "team_id": lambda app, world: build_scenario(app, world).team_a,
    "member_id": lambda app, world: build_scenario(app, world).member_a_row,
    "volunteer_id": lambda app, world: build_scenario(app, world).member_a,
    "project_id": lambda app, world: build_scenario(app, world).project_a,
    "activity_id": lambda app, world: build_scenario(app, world).activity_a,
    "evidence_id": lambda app, world: build_scenario(app, world).evidence_a,
}

MATRIX = {
    ("teams.teams", "GET"): rule(allowed=MEMBERS),
    ("teams.team_new", "GET"): rule(allowed={"admin"}),
    ("teams.team_new", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE),
    ("teams.team_detail", "GET"): rule(allowed=MEMBERS, other=MISSING),
    ("teams.member_add", "POST"): rule(allowed=MANAGERS, ok=REDIRECT, other=MISSING),
    ("teams.member_role", "POST"): rule(allowed=MANAGERS, ok=INVALID, other=MISSING),
    ("teams.member_leave", "POST"): rule(allowed=MANAGERS, ok=REDIRECT, other=MISSING),
    ("teams.volunteers", "GET"): rule(allowed=STAFF | {"leader"}),
    ("teams.volunteer_new", "GET"): rule(allowed=MANAGERS),
    ("teams.volunteer_new", "POST"): rule(allowed=MANAGERS, ok=UNPROCESSABLE),
    ("teams.volunteer_detail", "GET"): rule(allowed=STAFF | {"leader"}, other=MISSING),
    ("teams.my_service", "GET"): rule(allowed=MEMBERS),
    ("teams.counts_page", "GET"): rule(allowed=MEMBERS),
    ("projects.projects", "GET"): rule(allowed=MEMBERS),
    ("projects.project_new", "GET"): rule(allowed={"admin", "council"}),
    ("projects.project_new", "POST"): rule(allowed={"admin", "council"}, ok=UNPROCESSABLE),
    ("projects.project_detail", "GET"): rule(allowed=MEMBERS, other=MISSING),
    ("projects.project_links", "GET"): rule(allowed={"admin", "council"}, other=MISSING),
    ("projects.project_links", "POST"): rule(allowed={"admin", "council"}, ok=REDIRECT, other=MISSING),
    ("projects.project_claim", "POST"): rule(allowed={"leader"}, ok=INVALID, other=FORBIDDEN),
    ("projects.project_confirm", "POST"): rule(allowed={"admin", "council"}, ok=REDIRECT, other=MISSING),
    ("projects.project_decline", "POST"): rule(allowed={"admin", "council"}, ok=REDIRECT, other=MISSING),
    ("projects.project_complete", "POST"): rule(allowed={"admin", "council"}, ok=REDIRECT, other=MISSING),
    ("projects.project_cancel", "POST"): rule(allowed={"admin", "council"}, ok=REDIRECT, other=MISSING),
    ("projects.activities", "GET"): rule(allowed=MEMBERS),
    ("projects.activity_new", "GET"): rule(allowed=MANAGERS, other=MISSING),
    ("projects.activity_new", "POST"): rule(allowed=MANAGERS, ok=UNPROCESSABLE, other=MISSING),
    ("projects.activity_edit", "GET"): rule(allowed=MANAGERS, other=MISSING),
    ("projects.activity_edit", "POST"): rule(allowed=MANAGERS, ok=UNPROCESSABLE, other=MISSING),
    ("projects.activity_detail", "GET"): rule(allowed=STAFF | {"leader"}, other=MISSING),
    ("projects.activity_submit", "POST"): rule(allowed=MANAGERS, ok=REDIRECT, other=MISSING),
    ("projects.activity_verify", "POST"): rule(allowed={"admin"}, ok=REDIRECT, other=MISSING),
    ("projects.activity_return", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("projects.activity_amend", "POST"): rule(allowed=MANAGERS, ok=REDIRECT, other=MISSING),
    ("projects.evidence_add", "POST"): rule(allowed=MANAGERS, ok=UNPROCESSABLE, other=MISSING),
    ("projects.evidence_file", "GET"): rule(allowed=STAFF | {"leader"}, other=MISSING),
    ("projects.evidence_remove", "POST"): rule(allowed=MANAGERS, ok=REDIRECT, other=MISSING),
}
