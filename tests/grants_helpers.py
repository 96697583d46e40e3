"""Builders for the grants tests: a round with its panel, a team led by the ``leader``
user of the ``world``, an application, a council meeting."""

from datetime import date, timedelta
from types import SimpleNamespace

from charity.accounts import services as accounts
from charity.accounts.models import Community, User
from charity.extensions import db
from charity.grants import applications, panels, review, rounds, workflow
from charity.grants import council as council_vote
from charity.grants.models import ApplicationState, ConflictKind
from charity.models_base import local_today
from charity.needs import services as needs
from charity.teams import services as teams
from charity.teams.models import TeamRole
from tests.conftest import PASSWORD


def community(world):
    return db.session.get(Community, world.a)


def user(username):
    import sqlalchemy as sa

    return db.session.scalar(sa.select(User).where(User.username == username))


def add_council(world, n):
    """``n`` more council members of A (council2, council3…); returns all council users."""
    c = community(world)
    for i in range(2, n + 2):
        if user(f"council{i}") is None:
            accounts.create_user(c, username=f"council{i}", display_name=f"委员{i}", password=PASSWORD,
                                 roles=["council"], must_change_password=False)
    db.session.flush()
    return panels.holders_of(c, "council")


def make_team(world, name="小暖芽亲子志愿者服务队", leader="leader", phone="13900000001"):
    c = community(world)
    team = teams.create_team(c, name=name)
    joined = local_today() - timedelta(days=30)
    volunteer = teams.volunteer_of(user(leader), c)
    if volunteer is None:
        teams.create_volunteer(c, name="队长", phone=phone, user=user(leader), team=team, role=TeamRole.leader,
                               joined_on=joined)
    else:
        teams.add_member(team, volunteer, role=TeamRole.leader, joined_on=joined)
    return team


def make_round(world, *, cap_fen=10_000_00, max_fen=5_000_00, extra_council=2, expert=True, **kw):
    c = community(world)
    today = local_today()
    data = {"name": kw.get("name", "2026年微创投"), "eligibility": "本社区居民自治团队", "cap_fen": cap_fen,
            "max_per_application_fen": max_fen, "opens_on": today - timedelta(days=10),
            "closes_on": today + timedelta(days=20), "quorum_rule": kw.get("quorum_rule", "majority"),
            "notice_days": kw.get("notice_days", 5)}
    rnd = rounds.create_round(c, data, actor=user("admin"))
    council = add_council(world, extra_council)
    for u in council:
        panels.add_reviewer(rnd, u.id, kind="council")
    if expert:
        panels.add_reviewer(rnd, user("expert").id, kind="expert", affiliation="社工机构")
    return rnd


def lines(total_fen=3_000_00):
    return [applications.LineInput(item="活动物资", quantity=10, unit_cost_fen=total_fen // 10)]


def make_application(world, rnd, team, *, total_fen=3_000_00, state="in_review", title="亲子共读",
                     leader="leader"):
    app = applications.create_application(rnd, team, {"title": title, "summary": "每月两次亲子共读",
                                                      "target_groups": ["children"],
                                                      "planned_activities": "共读、手工"},
                                      lines(total_fen), actor=user(leader))
    if state == "draft":
        return app
    applications.team_step(app, "submit", actor=user(leader))
    if state == "submitted":
        return app
    applications.staff_step(app, "start_review", actor=user("admin"))
    db.session.commit()
    return app


def score_all(app, points=7, skip=()):
    """Every non-recused panel member declares no conflict (if not declared) and scores."""
    for r in app.round.reviewers:
        if r.user.username in skip:
            continue
        decl = review.declaration(app, r.user)
        if decl is None:
            decl = review.declare_conflict(app, r.user, ConflictKind.none)
        if decl.recused:
            continue
        if r.user_id in review.scoring_status(app).scored:
            continue
        review.submit_scores(app, r.user, {c.id: points for c in app.round.criteria})


def meeting(world, attendees, title="联席会"):
    c = community(world)
    return needs.create_meeting(c, {"held_on": local_today(), "title": title,
                                    "user_ids": [u.id for u in attendees]})


def approve(world, app, amount=None):
    """Score, vote unanimously at a meeting of all council members; returns the decision."""
    score_all(app)
    council = panels.holders_of(community(world), "council")
    db.session.commit()
    m = meeting(world, council)
    recused = review.recused_user_ids(app)
    decision = council_vote.record_votes(app, m, {u.id: "approve" for u in council if u.id not in recused},
                                         approved_fen=amount, actor=user("admin"))
    db.session.commit()
    return decision


def to_notice(world, app, start=None):
    approve(world, app)
    workflow.transition(app, "publish", actor=user("admin"), notice_start=start or local_today())
    db.session.commit()
    return app


S = ApplicationState
__all__ = ["SimpleNamespace", "date"]
