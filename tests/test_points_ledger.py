"""The points ledger's rules: earning exactly once, rule versions by verification time,
amendments that correct, an append-only ledger, verify-points, redemption, expiry."""

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from charity import signals
from charity.extensions import db
from charity.partners.models import Service
from charity.points import earning, expiry, ledger, redemptions, rules
from charity.points.errors import (
    IllegalRedemptionTransition,
    InsufficientPoints,
    NotRedeemable,
    QuotaExhausted,
    RuleInvalid,
    UnknownCode,
)
from charity.points.models import (
    EntryKind,
    PointEntry,
    PointLot,
    PointRuleVersion,
    Redemption,
    RedemptionState,
)
from charity.projects import services as projects
from charity.projects.models import Activity, ActivityKind, Project
from charity.projects.services import IllegalTransition
from charity.teams.models import Volunteer
from tests.points_helpers import account_of, build_points, community, user


@pytest.fixture
def sc(app, world):
    return build_points(app, world)


@pytest.fixture
def rctx(app):
    with app.test_request_context():
        yield


def _entries(volunteer_id=None, kind=None):
    stmt = sa.select(PointEntry).order_by(PointEntry.id)
    if kind:
        stmt = stmt.where(PointEntry.kind == kind)
    rows = db.session.scalars(stmt).all()
    if volunteer_id is not None:
        account = account_of(volunteer_id)
        rows = [r for r in rows if r.account_id == account.id]
    return rows


def _verified_activity(sc, roster, kind="reading", day=8):
    project = db.session.get(Project, sc.project_a)
    start = datetime(2026, 3, day, 1, 0, tzinfo=timezone.utc)
    activity = projects.create_activity(project, title=f"活动{day}", kind=kind, starts_at=start,
                                        ends_at=start + timedelta(hours=3), roster=roster,
                                        beneficiaries={"children": 5})
    projects.transition_activity(activity, "submit")
    projects.verify_activity(activity, actor=user("admin"))
    return activity


def _amend(activity_id, roster):
    original = db.session.get(Activity, activity_id)
    amendment = projects.amend_activity(original)
    projects.update_activity(amendment, title=amendment.title, kind=amendment.kind.value,
                             starts_at=amendment.starts_at, ends_at=amendment.ends_at, roster=roster,
                             beneficiaries={"children": 12})
    projects.transition_activity(amendment, "submit")
    projects.verify_activity(amendment, actor=user("admin"))
    return amendment


# --- earning ---------------------------------------------------------------------------

def test_verification_earns_points_and_honour_minutes(app, world, sc, rctx):
    lead, member = account_of(sc.lead_a), account_of(sc.member_a)
    assert (lead.balance, lead.lifetime_minutes, lead.lifetime_points) == (20, 120, 20)
    assert (member.balance, member.lifetime_minutes) == (15, 90)
    earn = _entries(sc.member_a, EntryKind.earn)
    assert len(earn) == 1 and earn[0].activity_id == sc.earned and earn[0].rule_version_id is not None
    assert ledger.verify_points(community(world.a)) == []


def test_earning_is_idempotent(app, sc, rctx):
    activity = db.session.get(Activity, sc.earned)
    before = len(_entries())
    # The signal sent again (a retried request), and the service called directly again.
    signals.activity_verified.send(activity, replaced=None)
    assert earning.award_for_activity(activity) == []
    with pytest.raises(IllegalTransition):  # a double click on "verify"
        projects.verify_activity(activity)
    db.session.commit()
    assert len(_entries()) == before
    assert account_of(sc.member_a).balance == 15


def test_the_database_refuses_a_second_earning_with_the_same_key(app, sc, rctx):
    first = _entries(sc.member_a, EntryKind.earn)[0]
    db.session.add(PointEntry(community_id=first.community_id, account_id=first.account_id,
                              kind=EntryKind.earn, points=15, minutes=90, memo="again",
                              idempotency_key=first.idempotency_key))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_rule_versions_apply_by_verification_time(app, world, sc, rctx):
    c = community(world.a)
    rates = {k.value: 10 for k in ActivityKind}
    rates["reading"] = 20
    version = rules.new_rule_version(c, rates=rates, cap_per_activity=50, organiser_bonus=5,
                                     note="阅读类加倍", actor=user("admin"))
    future = rules.new_rule_version(c, rates={k.value: 99 for k in ActivityKind},
                                    effective_from=datetime.now(timezone.utc) + timedelta(days=30))
    assert version.number == 2 and future.number == 3
    activity = _verified_activity(sc, {sc.lead_a: 180, sc.member_a: 120})
    db.session.commit()
    lead_earn = [e for e in _entries(sc.lead_a, EntryKind.earn) if e.activity_id == activity.id][0]
    member_earn = [e for e in _entries(sc.member_a, EntryKind.earn) if e.activity_id == activity.id][0]
    # 3 h × 20 = 60, capped at 50, + 5 for the team leader; 2 h × 20 = 40, no bonus.
    assert (lead_earn.points, lead_earn.rule_version_id) == (55, version.id)
    assert (member_earn.points, member_earn.rule_version_id) == (40, version.id)
    # The activity verified under version 1 keeps its points.
    first = [e for e in _entries(sc.member_a, EntryKind.earn) if e.activity_id == sc.earned][0]
    assert first.points == 15 and first.rule_version_id != version.id
    # An amendment of the first activity, verified now, still uses version 1.
    amendment = _amend(sc.earned, {sc.lead_a: 120, sc.member_a: 120})
    correction = [e for e in _entries(sc.member_a) if e.activity_id == amendment.id][0]
    assert (correction.points, correction.minutes) == (5, 30)
    assert correction.rule_version_id == first.rule_version_id


def test_a_rule_version_cannot_start_in_the_past(app, world, sc, rctx):
    c = community(world.a)
    with pytest.raises(RuleInvalid):
        rules.new_rule_version(c, rates={k.value: 10 for k in ActivityKind},
                               effective_from=datetime.now(timezone.utc) - timedelta(days=1))
    with pytest.raises(RuleInvalid):
        rules.new_rule_version(c, rates={"reading": 10})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PointRuleVersion)
                             .where(PointRuleVersion.community_id == c.id)) == 1


def test_an_amendment_posts_correcting_entries(app, sc, rctx):
    amendment = _amend(sc.earned, {sc.lead_a: 60, sc.member_a: 150, sc.lead_b: 60})
    db.session.commit()
    by_volunteer = {v: [e for e in _entries(v) if e.activity_id == amendment.id]
                    for v in (sc.lead_a, sc.member_a, sc.lead_b)}
    assert [(e.points, e.minutes) for e in by_volunteer[sc.lead_a]] == [(-10, -60)]
    assert [(e.points, e.minutes) for e in by_volunteer[sc.member_a]] == [(10, 60)]
    assert [(e.points, e.minutes) for e in by_volunteer[sc.lead_b]] == [(10, 60)]
    lead, member = account_of(sc.lead_a), account_of(sc.member_a)
    assert (lead.balance, lead.lifetime_minutes) == (10, 60)
    assert (member.balance, member.lifetime_minutes) == (25, 150)
    # Correcting the correction: 赵阿姨 taken off the roster altogether.
    second = _amend(amendment.id, {sc.lead_a: 60, sc.lead_b: 60})
    entry = [e for e in _entries(sc.member_a) if e.activity_id == second.id][0]
    assert (entry.points, entry.minutes) == (-25, -150)
    assert (account_of(sc.member_a).balance, account_of(sc.member_a).lifetime_minutes) == (0, 0)
    assert ledger.verify_points(community(lead.community_id)) == []


def test_a_correction_takes_back_only_what_is_spendable(app, sc, rctx):
    member = db.session.get(Volunteer, sc.member_a)
    redemptions.redeem(member, db.session.get(Service, sc.haircut), key="k1")  # 15 -> 5 spendable
    amendment = _amend(sc.earned, {sc.lead_a: 120})
    entry = [e for e in _entries(sc.member_a) if e.activity_id == amendment.id][0]
    assert (entry.points, entry.minutes) == (-5, -90)
    assert "10" in entry.memo  # the shortfall is named
    account = account_of(sc.member_a)
    assert (account.balance, account.held, account.lifetime_minutes) == (0, 10, 0)
    assert ledger.verify_points(community(account.community_id)) == []


# --- the ledger ------------------------------------------------------------------------

@pytest.mark.parametrize("table", ["point_entry", "point_rule_version"])
def test_ledger_rows_cannot_be_updated_or_deleted(app, sc, table):
    with app.app_context():
        for statement in (f"UPDATE {table} SET community_id = community_id", f"DELETE FROM {table}"):
            with pytest.raises(sa.exc.DatabaseError):
                db.session.execute(sa.text(statement))
            db.session.rollback()
        assert db.session.scalar(sa.text(f"SELECT count(*) FROM {table}")) > 0


def test_verify_points_names_a_balance_changed_with_raw_sql(app, sc, runner):
    result = runner.invoke(args=["verify-points", "--community", "dongyi"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.execute(sa.text("UPDATE point_account SET balance = 999 WHERE volunteer_id = :v"),
                           {"v": sc.member_a})
        db.session.commit()
    result = runner.invoke(args=["verify-points"])
    assert result.exit_code == 1
    assert "赵阿姨" in result.output and "999" in result.output and "15" in result.output
    assert "张小暖" not in result.output
    assert runner.invoke(args=["verify-points", "--community", "nowhere"]).exit_code != 0


# --- redemption ------------------------------------------------------------------------

def test_a_redemption_holds_points_and_the_merchant_confirms(app, sc, rctx):
    member = db.session.get(Volunteer, sc.member_a)
    haircut = db.session.get(Service, sc.haircut)
    r = redemptions.redeem(member, haircut, key="form-1")
    again = redemptions.redeem(member, haircut, key="form-1")  # a double click
    assert again.id == r.id
    assert len(r.code) == redemptions.CODE_LENGTH and set(r.code) <= set(redemptions.CODE_ALPHABET)
    account = account_of(sc.member_a)
    assert (account.balance, account.held) == (5, 10)
    assert redemptions.quota_left(haircut) == 19
    with pytest.raises(UnknownCode):  # the repair shop's merchant? no: a code of another shop
        redemptions.confirm_code(user("admin"), member.community_id, r.code)
    typed = redemptions.format_code(r.code).lower().replace("-", " ")
    redemptions.confirm_code(user("merchant"), member.community_id, typed)
    account = account_of(sc.member_a)
    assert r.state == RedemptionState.redeemed
    assert (account.balance, account.held, account.lifetime_points) == (5, 0, 15)
    assert account.lifetime_minutes == 90  # honour hours never fall when points are spent
    with pytest.raises(IllegalRedemptionTransition):
        redemptions.transition_redemption(r, "cancel")
    with pytest.raises(UnknownCode):
        redemptions.confirm_code(user("merchant"), member.community_id, r.code)
    kinds = [e.kind for e in _entries(sc.member_a)]
    assert kinds == [EntryKind.earn, EntryKind.hold, EntryKind.redeem]
    assert ledger.verify_points(community(member.community_id)) == []


def test_refused_redemptions_change_nothing(app, sc, rctx):
    member = db.session.get(Volunteer, sc.member_a)
    haircut = db.session.get(Service, sc.haircut)
    redemptions.redeem(member, haircut, key="a")
    with pytest.raises(InsufficientPoints):
        redemptions.redeem(member, haircut, key="b")  # 5 left, 10 needed
    haircut.monthly_quota = 1
    db.session.flush()
    lead = db.session.get(Volunteer, sc.lead_a)
    with pytest.raises(QuotaExhausted):
        redemptions.redeem(lead, haircut, key="c")
    assert account_of(sc.lead_a).balance == 20 and account_of(sc.lead_a).held == 0
    repair = db.session.get(Service, sc.repair)
    repair.points_price = None
    with pytest.raises(NotRedeemable):
        redemptions.redeem(lead, repair, key="d")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 1


def test_a_hold_expires_only_after_its_days_and_returns_the_points(app, sc, rctx):
    member = db.session.get(Volunteer, sc.member_a)
    r = redemptions.redeem(member, db.session.get(Service, sc.haircut), key="a")
    with pytest.raises(IllegalRedemptionTransition):
        redemptions.transition_redemption(r, "expire")
    run = expiry.run_expiry(community(member.community_id), now=r.hold_until + timedelta(minutes=1))
    assert run.holds_released == 1
    db.session.refresh(r)
    assert r.state == RedemptionState.expired
    account = account_of(sc.member_a)
    assert (account.balance, account.held) == (15, 0)
    assert redemptions.quota_left(db.session.get(Service, sc.haircut), r.quota_month) == 20


# --- expiry ----------------------------------------------------------------------------

def _age_lot(entry, earned_at, expires_at):
    db.session.execute(sa.update(PointLot).where(PointLot.entry_id == entry.id)
                       .values(earned_at=earned_at, expires_at=expires_at))


def test_expiry_takes_the_oldest_points_first_and_a_release_returns_exactly_what_was_held(app, sc, rctx):
    member = db.session.get(Volunteer, sc.member_a)
    c = community(member.community_id)
    now = datetime.now(timezone.utc)
    earn = _entries(sc.member_a, EntryKind.earn)[0]  # 15 points
    middle = ledger.adjust(member, 10, reason="补录 2025 年服务", key="m")
    newest = ledger.adjust(member, 10, reason="本月表彰", key="n")
    _age_lot(earn, now - timedelta(days=800), now - timedelta(days=70))
    _age_lot(middle, now - timedelta(days=400), now + timedelta(days=10))
    _age_lot(newest, now, now + timedelta(days=700))
    lots = lambda: [lot.remaining for lot in db.session.scalars(  # noqa: E731
        sa.select(PointLot).order_by(PointLot.earned_at).execution_options(populate_existing=True))
        if lot.account_id == account_of(sc.member_a).id]
    haircut = db.session.get(Service, sc.haircut)
    # Codes take the oldest points first: 10 of the 15, then the other 5 and 5 of the middle lot.
    r = redemptions.redeem(member, haircut, key="h1")
    assert lots() == [5, 10, 10]
    r2 = redemptions.redeem(member, haircut, key="h2")
    assert lots() == [0, 5, 10]
    redemptions.transition_redemption(r2, "cancel")
    assert lots() == [5, 10, 10]  # exactly what the second code took comes back to its lots
    account = account_of(sc.member_a)
    assert (account.balance, account.held) == (25, 10)
    # Within 30 days: the middle lot's 10.
    soon = db.session.execute(expiry.expiring_soon_query(c)).all()
    assert [(row.Volunteer.id, row.points) for row in soon] == [(sc.member_a, 10)]
    redemptions.transition_redemption(r, "cancel")
    assert lots() == [15, 10, 10]
    account = account_of(sc.member_a)
    assert (account.balance, account.held) == (35, 0)
    # Expiry takes the oldest lot (past due) and nothing younger.
    accounts, points = expiry.expire_points(c, now=now)
    assert (accounts, points) == (1, 15)
    assert lots() == [0, 10, 10]
    account = account_of(sc.member_a)
    assert (account.balance, account.lifetime_points, account.lifetime_minutes) == (20, 15, 90)
    assert expiry.expire_points(c, now=now) == (0, 0)
    assert ledger.verify_points(c) == []


def test_the_expire_command_releases_run_out_holds(app, sc, runner):
    with app.test_request_context():
        member = db.session.get(Volunteer, sc.member_a)
        r = redemptions.redeem(member, db.session.get(Service, sc.haircut), key="old",
                               now=datetime.now(timezone.utc) - timedelta(days=30))
        fresh = redemptions.redeem(db.session.get(Volunteer, sc.lead_a), db.session.get(Service, sc.haircut),
                                   key="new")
        db.session.commit()
        ids = (r.id, fresh.id)
    result = runner.invoke(args=["points", "expire", "--community", "dongyi"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    with app.app_context():
        assert db.session.get(Redemption, ids[0]).state == RedemptionState.expired
        assert db.session.get(Redemption, ids[1]).state == RedemptionState.held
        assert account_of(sc.member_a).balance == 15 and account_of(sc.member_a).held == 0
        haircut = db.session.get(Service, sc.haircut)
        assert redemptions.quota_left(haircut) == 19  # the fresh code still holds its place
