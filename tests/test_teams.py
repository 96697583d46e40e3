"""Volunteers, teams, membership rules, counts for a period, and the demo."""

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from charity.accounts.models import Community, User
from charity.extensions import db
from charity.projects import counts
from charity.projects import services as projects
from charity.projects.models import Activity
from charity.teams import services
from charity.teams.models import BeneficiaryGroup, TeamMember, TeamRole, TeamRoleChange
from tests.access_teams import build_scenario


@pytest.fixture
def rctx(app):
    with app.test_request_context():
        yield


def test_duplicate_phone_is_refused_with_a_pointer(app, world, rctx):
    sc = build_scenario(app, world)
    community = db.session.get(Community, world.a)
    with pytest.raises(services.DuplicateVolunteer) as info:
        services.create_volunteer(community, name="重名", phone="13900000002")
    assert info.value.existing.id == sc.member_a
    # another community may record the same phone
    other = db.session.get(Community, world.b)
    assert services.create_volunteer(other, name="别处的人", phone="13900000002").id


def test_membership_rules_and_role_history(app, world, rctx):
    sc = build_scenario(app, world)
    member = db.session.get(TeamMember, sc.member_a_row)
    with pytest.raises(services.MembershipError):
        services.change_role(member, TeamRole.member)  # unchanged
    services.change_role(member, TeamRole.organiser, on=date(2026, 6, 1))
    services.change_role(member, TeamRole.leader, on=date(2026, 9, 1))
    steps = [(c.from_role, c.to_role) for c in db.session.scalars(
        sa.select(TeamRoleChange).where(TeamRoleChange.member_id == member.id).order_by(TeamRoleChange.id))]
    assert steps == [(None, TeamRole.member), (TeamRole.member, TeamRole.organiser),
                     (TeamRole.organiser, TeamRole.leader)]
    with pytest.raises(services.MembershipError):
        services.add_member(member.team, member.volunteer)  # already a member
    with pytest.raises(services.MembershipError):
        services.leave(member, on=date(2025, 1, 1))  # before joining
    services.leave(member, on=date(2026, 10, 1))
    with pytest.raises(services.MembershipError):
        services.change_role(member, TeamRole.member)
    services.add_member(member.team, member.volunteer, role=TeamRole.member, joined_on=date(2026, 11, 1))
    assert member.left_on is None and member.role == TeamRole.member


def test_leading_a_team_is_what_gives_a_leader_rights(app, world, rctx):
    sc = build_scenario(app, world)
    leader = db.session.get(User, world.users["leader"])
    community = db.session.get(Community, world.a)
    assert services.led_team_ids(leader, community) == {sc.team_a}
    services.leave(db.session.get(TeamMember, 1), on=date(2026, 2, 1))
    assert services.led_team_ids(leader, community) == set()


def _verify(activity_id):
    activity = db.session.get(Activity, activity_id)
    projects.transition_activity(activity, "submit")
    projects.verify_activity(activity)


def test_counts_for_a_period_come_from_verified_activities(app, world, rctx):
    sc = build_scenario(app, world)
    empty = counts.totals(world.a)
    assert empty["activities"] == 0 and empty["minutes"] == 0
    _verify(sc.activity_a)
    march = (datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 4, 1, tzinfo=timezone.utc))
    april = (datetime(2026, 4, 1, tzinfo=timezone.utc), datetime(2026, 5, 1, tzinfo=timezone.utc))
    got = counts.totals(world.a, *march)
    assert (got["teams"], got["projects"], got["activities"], got["minutes"]) == (1, 1, 1, 210)
    assert got["beneficiaries"][BeneficiaryGroup.children] == 12 and got["people_served"] == 12
    assert counts.totals(world.a, *april)["activities"] == 0
    _verify(sc.activity_b)
    got = counts.totals(world.a, *march)
    assert (got["teams"], got["projects"], got["activities"], got["minutes"]) == (2, 2, 2, 330)
    rows = {team.id: rest for team, *rest in counts.per_team(world.a, *march)}
    assert rows[sc.team_a] == [1, 1, 210, 12] and rows[sc.team_b] == [1, 1, 120, 4]
    assert counts.totals(world.b)["activities"] == 0
    # a verified correction replaces its original in the counts
    amendment = projects.amend_activity(db.session.get(Activity, sc.activity_a))
    projects.update_activity(amendment, title="x", kind="reading", starts_at=amendment.starts_at,
                             ends_at=amendment.ends_at, roster={sc.lead_a: 60}, beneficiaries={"children": 3})
    assert counts.totals(world.a, *march)["minutes"] == 330  # the draft does not count
    _verify(amendment.id)
    got = counts.totals(world.a, *march)
    assert got["activities"] == 2 and got["minutes"] == 180 and got["people_served"] == 7


def test_counts_are_one_aggregate_query_each(app, world, rctx):
    build_scenario(app, world)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        counts.totals(world.a)
        counts.per_team(world.a)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 4
    assert all("count(" in s.lower() or "sum(" in s.lower() for s in statements)


def test_demo_builds_the_articles_numbers_and_is_idempotent(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        community = db.session.scalar(sa.select(Community).where(Community.slug == "dongyi"))
        got = counts.totals(community.id, datetime(2026, 1, 1, tzinfo=timezone.utc),
                            datetime(2027, 1, 1, tzinfo=timezone.utc))
        assert (got["teams"], got["projects"], got["activities"]) == (8, 8, 24)
        leader = db.session.scalar(sa.select(User).where(User.username == "leader"))
        from charity.teams.models import Team

        led = services.led_team_ids(leader, community)
        assert [db.session.get(Team, t).name for t in led] == ["小暖芽亲子志愿者服务队"]
        volunteer = db.session.scalar(sa.select(User).where(User.username == "volunteer"))
        assert services.volunteer_of(volunteer, community) is not None
