"""Helpers shared by the points tests: community A with the teams scenario, a verified
activity, a barber's shop whose merchant is the ``merchant`` user, and a second shop."""

from types import SimpleNamespace

import sqlalchemy as sa

from charity.accounts.models import Community, User
from charity.extensions import db
from tests.access_teams import build_scenario
from tests.fixtures_partners import make_partner_in, make_service_in


def community(community_id):
    return db.session.get(Community, community_id)


def user(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def build_points(app, world):
    """Once per app: the teams scenario plus a verified activity ``earned`` (张小暖 120 min,
    赵阿姨 90 min of reading: 20 and 15 points at the default 10 an hour), a haircut for 10
    points (quota 20) at 东怡快剪理发店 (merchant user ``merchant``) and a repair for 5
    points at 老街坊家电维修部 (no merchant)."""
    cached = app.extensions.get("points_scenario")
    if cached is not None:
        return cached
    from charity.partners import services as partners
    from charity.partners.models import Partner
    from charity.projects import services as projects
    from charity.projects.models import Activity

    sc = build_scenario(app, world)
    shop = make_partner_in(app, world.a)
    other_shop = make_partner_in(app, world.a, name="老街坊家电维修部", phone="13880020002")
    haircut = make_service_in(app, shop, name="积分兑换理发", points_price=10, monthly_quota=20)
    repair = make_service_in(app, other_shop, name="小家电维修", category="便民维修", points_price=5,
                             monthly_quota=None)
    with app.test_request_context():
        partners.set_contacts(db.session.get(Partner, shop), [world.users["merchant"]])
        # An activity of its own (the teams' sample activity stays a draft for their tests).
        sample = db.session.get(Activity, sc.activity_a)
        activity = projects.create_activity(
            sample.project, title="绘本共读（积分）", kind="reading", starts_at=sample.starts_at,
            ends_at=sample.ends_at, place="幼儿园", roster={sc.lead_a: 120, sc.member_a: 90},
            beneficiaries={"children": 12})
        projects.transition_activity(activity, "submit")
        projects.verify_activity(activity, actor=user("admin"))
        db.session.commit()
        earned = activity.id
    scenario = SimpleNamespace(**vars(sc), shop=shop, other_shop=other_shop, haircut=haircut, repair=repair,
                               earned=earned)
    app.extensions["points_scenario"] = scenario
    return scenario


def account_of(volunteer_id):
    from charity.points.models import PointAccount

    return db.session.scalar(sa.select(PointAccount).where(PointAccount.volunteer_id == volunteer_id)
                             .execution_options(populate_existing=True))
