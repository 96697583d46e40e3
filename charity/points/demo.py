"""Demo points for 东怡社区: settings and the certificate issuer, points earned from the
demo activities through the same service as a verification (a backfill that posts only
what is missing), an award, codes in every state and a month of fulfilled haircuts for
the merchant's settlement. Idempotent: fixed keys, and states moved only once."""

from datetime import date, timedelta

import sqlalchemy as sa

from charity.accounts.models import User
from charity.extensions import db
from charity.models_base import local_today, utcnow
from charity.partners.models import Partner, Service
from charity.points import earning, ledger, records, redemptions, rules
from charity.points.models import Certificate, Commendation, PointAccount, Redemption, RedemptionState
from charity.projects.models import Activity, ActivityState
from charity.teams.models import Volunteer


def _user(name):
    return db.session.scalar(sa.select(User).where(User.username == name))


def _service(community, partner, name):
    return db.session.scalar(sa.select(Service).join(Service.partner).where(
        Service.community_id == community.id, Partner.name == partner, Service.name == name))


def _code(volunteer, service, key, *, now=None, actor=None, on_behalf=False):
    if volunteer is None or service is None:
        return None
    existing = db.session.scalar(sa.select(Redemption).where(
        Redemption.community_id == volunteer.community_id, Redemption.idempotency_key == key))
    if existing is not None:
        return existing
    if ledger.account_for(volunteer).balance < service.points_price:
        return None
    return redemptions.redeem(volunteer, service, key=key, now=now, actor=actor, on_behalf=on_behalf)


def load(community):
    admin, merchant = _user("admin"), _user("merchant")
    settings = rules.settings_for(community)
    if not settings.person_in_charge:
        rules.update_settings(community, actor=admin, hold_days=14, expiry_months=24,
                              level_hours=settings.level_hours, issuing_org="东怡社区党群服务中心",
                              person_in_charge="王晓燕", handler="李建国", contact_phone="028-84561234")
    # Points from every verified demo activity, through the earning service (only the
    # entries still missing are posted, so this is also a backfill).
    for activity in db.session.scalars(sa.select(Activity).where(
            Activity.community_id == community.id, Activity.state == ActivityState.verified)
            .order_by(Activity.verified_at, Activity.id)):
        earning.award_for_activity(activity)
    zhao = db.session.scalar(sa.select(Volunteer).where(Volunteer.community_id == community.id,
                                                        Volunteer.user_id == _user("volunteer").id))
    lead = db.session.scalar(sa.select(Volunteer).where(Volunteer.community_id == community.id,
                                                        Volunteer.user_id == _user("leader").id))
    if zhao is None or lead is None:
        return
    if not zhao.volunteer_number:
        records.set_identity(zhao, id_type="resident_id", id_number="510104195803151226",
                             volunteer_number="DY2026-0002", actor=admin)
    if db.session.scalar(sa.select(Commendation.id).where(Commendation.volunteer_id == zhao.id)) is None:
        records.add_commendation(zhao, kind="training", title="志愿服务通用培训（8 学时）",
                                 awarded_on=date(2026, 1, 10), issuer="东怡社区党群服务中心", actor=admin)
        records.add_commendation(zhao, kind="commendation", title="东怡社区 2026 年上半年优秀志愿者",
                                 awarded_on=date(2026, 6, 30), issuer="东怡社区慈善联席会", actor=admin)
    ledger.adjust(zhao, 200, reason="东怡社区上半年优秀志愿者奖励积分", key="demo-award-zhao", actor=admin)

    haircut = _service(community, "东怡快剪理发店", "积分兑换理发")
    meal = _service(community, "川味小厨", "长者爱心餐")
    knives = _service(community, "安心开锁配钥匙", "磨刀配钥匙")
    # Fulfilled haircuts this month: the merchant's settlement.
    for volunteer, key in ((zhao, "demo-code-1"), (lead, "demo-code-2")):
        r = _code(volunteer, haircut, key)
        if r is not None and r.state == RedemptionState.held:
            redemptions.confirm_code(merchant, community.id, r.code, actor=merchant)
    # Waiting at the restaurant; one issued by staff for a volunteer without a phone.
    _code(zhao, meal, "demo-code-3")
    others = db.session.scalars(
        sa.select(Volunteer).join(PointAccount, PointAccount.volunteer_id == Volunteer.id)
        .where(Volunteer.community_id == community.id, Volunteer.id.not_in([zhao.id, lead.id]))
        .order_by(PointAccount.balance.desc(), Volunteer.id).limit(3)).all()
    if len(others) == 3:
        _code(others[0], meal, "demo-code-4", actor=admin, on_behalf=True)
        # A haircut waiting at the barber's: the merchant's queue is not empty.
        _code(others[0], haircut, "demo-code-7")
        cancelled = _code(others[1], knives, "demo-code-5")
        if cancelled is not None and cancelled.state == RedemptionState.held:
            redemptions.transition_redemption(cancelled, "cancel", actor=_user("admin"))
        # Issued three weeks ago and never used: the hold ran out and the points came back.
        expired = _code(others[2], meal, "demo-code-6", now=utcnow() - timedelta(days=21))
        if expired is not None and expired.state == RedemptionState.held:
            redemptions.transition_redemption(expired, "expire")
    if db.session.scalar(sa.select(Certificate.id).where(Certificate.volunteer_id == zhao.id)) is None:
        records.issue_certificate(zhao, date(2026, 1, 1), local_today(), actor=admin)
    db.session.flush()
