"""Builders for the post-award grants tests: an application whose public notice is over,
a fund with money in the bank, an awarded and signed grant, a logged activity."""

from datetime import datetime, time, timedelta, timezone

from charity.extensions import db
from charity.fund import income_spending
from charity.grants import agreements, evaluations, tranches
from charity.models_base import local_today, local_zone
from charity.projects import services as projects
from charity.teams.services import volunteer_of
from tests.grants_helpers import community, make_application, make_round, make_team, to_notice, user

MONEY_IN_BANK = 50_000_00


def SIGNED_ON():  # noqa: N802  (a date that moves with today)
    return local_today() - timedelta(days=10)


def noticed_application(world, *, total_fen=3_000_00, title="亲子共读", team=None, rnd=None):
    """An approved application whose 5-day notice ended a week ago (no objection)."""
    rnd = rnd or make_round(world)
    team = team or make_team(world)
    application = make_application(world, rnd, team, total_fen=total_fen, title=title)
    to_notice(world, application, start=local_today() - timedelta(days=21))
    return application


def put_money(world, amount_fen=MONEY_IN_BANK):
    income_spending.record_donation(community(world), amount_fen=amount_fen, received_on=local_today() - timedelta(days=30),
                                    method="bank", donor_name="爱心企业")
    db.session.flush()


def awarded_grant(world, *, signed=True, plan=(50, 30, 20), money=True, **kw):
    """A grant awarded from a fresh application (and its agreement signed), committed."""
    if money:
        put_money(world)
    application = noticed_application(world, **kw)
    grant = agreements.award(application, tranche_percents=plan, expected_activities=3, actor=user("admin"))
    if signed:
        # Test set-up: awarded two weeks ago and signed ten days ago, so the activities the
        # tests log (a few days ago) fall under the agreement.
        grant.awarded_at = datetime.now(timezone.utc) - timedelta(days=14)
        agreements.record_agreement_signed(grant, signed_on=SIGNED_ON(), team_signatory="王队长",
                                           centre_signatory="李主任", actor=user("admin"))
    db.session.commit()
    return grant


def pay(grant, seq, key=None):
    tranche = next(t for t in grant.tranches if t.seq == seq)
    tranches.pay_tranche(tranche, paid_on=local_today(), method="bank", idempotency_key=key or f"pay-{grant.id}-{seq}",
                         actor=user("admin"))
    db.session.commit()
    return tranche


def logged_activity(world, grant, *, title="亲子共读第一期", days_ago=3, submit=True):
    """An activity of the grant's project that has happened, submitted by the leader."""
    zone = local_zone()
    day = local_today() - timedelta(days=days_ago)
    starts = datetime.combine(day, time(9, 0), tzinfo=zone)
    volunteer = volunteer_of(user("leader"), community(world))
    activity = projects.create_activity(grant.project, actor=user("leader"), title=title, kind="reading",
                                        starts_at=starts, ends_at=starts + timedelta(hours=2), place="社区书屋",
                                        roster={volunteer.id: 120}, beneficiaries={"children": 12})
    if submit:
        projects.transition_activity(activity, "submit", actor=user("leader"))
    db.session.commit()
    return activity


def pass_midterm(grant, *, activity_ids=()):
    evaluation = evaluations.submit_evaluation(grant, self_evaluation="按计划完成前期活动", activity_ids=activity_ids,
                                               actor=user("leader"))
    evaluations.evaluate(evaluation, "passed", opinion="活动扎实，同意拨付下一期", actor=user("council"))
    db.session.commit()
    return evaluation
