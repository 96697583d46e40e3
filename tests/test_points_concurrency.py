"""200 concurrent redemptions against a balance that covers 50: exactly 50 succeed and
the balance never goes below zero; and a monthly quota holds under concurrent
redemptions by many volunteers. On PostgreSQL (row locks) and SQLite (the write lock),
threads each with their own connection."""

import threading

import pytest
import sqlalchemy as sa

from charity.extensions import db
from charity.partners.models import Service
from charity.points import ledger, redemptions
from charity.points.errors import InsufficientPoints, QuotaExhausted
from charity.points.models import PointEntry, Redemption
from charity.teams.models import Volunteer
from tests.conftest import is_postgres
from tests.fixtures_partners import make_service_in
from tests.points_helpers import account_of, build_points, community, user


def _run(app, workers, attempt):
    barrier = threading.Barrier(workers)
    outcomes, balances = [], []

    def work(n):
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                balance = attempt(n)
                db.session.commit()
                outcomes.append("ok")
                if balance is not None:
                    balances.append(balance)
            except (InsufficientPoints, QuotaExhausted) as exc:
                db.session.rollback()
                outcomes.append(type(exc).__name__)
            except Exception as exc:  # pragma: no cover - reported by the assertions
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return outcomes, balances


def _two_hundred_against_fifty(app, world):
    sc = build_points(app, world)
    price_service = make_service_in(app, sc.shop, name="积分兑换洗发", points_price=10, monthly_quota=None)
    with app.test_request_context():
        member = db.session.get(Volunteer, sc.member_a)
        ledger.adjust(member, 485, reason="测试：补足 500 分", key="top-up", actor=user("admin"))
        db.session.commit()
        assert account_of(sc.member_a).balance == 500

    def attempt(n):
        r = redemptions.redeem(db.session.get(Volunteer, sc.member_a), db.session.get(Service, price_service),
                               key=f"redeem-{n}")
        return db.session.scalar(sa.select(sa.text("balance")).select_from(sa.text("point_account"))
                                 .where(sa.text("id = :id")).params(id=r.account_id))

    outcomes, balances = _run(app, 200, attempt)
    assert outcomes.count("ok") == 50, outcomes
    assert outcomes.count("InsufficientPoints") == 150, outcomes
    assert min(balances) >= 0
    with app.app_context():
        account = account_of(sc.member_a)
        assert (account.balance, account.held) == (0, 500)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 50
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PointEntry)
                                 .where(PointEntry.kind == "hold")) == 50
        assert ledger.verify_points(community(world.a)) == []


def _quota_under_many_volunteers(app, world):
    from charity.teams import services as teams

    sc = build_points(app, world)
    limited = make_service_in(app, sc.shop, name="积分兑换染发", points_price=1, monthly_quota=5)
    with app.test_request_context():
        c = community(world.a)
        ids = []
        for n in range(30):
            v = teams.create_volunteer(c, name=f"志愿者{n}", phone=f"1370000{n:04d}")
            ledger.adjust(v, 3, reason="测试", key=f"q-{n}", actor=user("admin"))
            ids.append(v.id)
        db.session.commit()

    def attempt(n):
        redemptions.redeem(db.session.get(Volunteer, ids[n]), db.session.get(Service, limited), key=f"quota-{n}")

    outcomes, _balances = _run(app, 30, attempt)
    assert outcomes.count("ok") == 5, outcomes
    assert outcomes.count("QuotaExhausted") == 25, outcomes
    with app.app_context():
        service = db.session.get(Service, limited)
        assert redemptions.quota_left(service) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)
                                 .where(Redemption.service_id == limited)) == 5
        # The refused ones were given back their points: nothing held but the five codes.
        assert ledger.verify_points(community(world.a)) == []


@pytest.mark.skipif(not is_postgres(), reason="needs CHARITY_TEST_DATABASE_URL on PostgreSQL")
def test_200_concurrent_redemptions_on_postgresql(app, world):
    _two_hundred_against_fifty(app, world)


@pytest.mark.skipif(is_postgres(), reason="the SQLite run")
def test_200_concurrent_redemptions_on_sqlite(app, world):
    _two_hundred_against_fifty(app, world)


@pytest.mark.skipif(not is_postgres(), reason="needs CHARITY_TEST_DATABASE_URL on PostgreSQL")
def test_quota_holds_under_concurrent_redemptions_on_postgresql(app, world):
    _quota_under_many_volunteers(app, world)


@pytest.mark.skipif(is_postgres(), reason="the SQLite run")
def test_quota_holds_under_concurrent_redemptions_on_sqlite(app, world):
    _quota_under_many_volunteers(app, world)
