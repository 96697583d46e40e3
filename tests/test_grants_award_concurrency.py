"""Concurrent tranche payments (double clicks on two machines, two staff at once) never
pay a tranche twice nor more than the award, on PostgreSQL (row locks) and SQLite (the
write lock); each thread holds its own connection and transaction."""

import threading

import pytest
import sqlalchemy as sa

from charity.extensions import db
from charity.fund import verification
from charity.fund.models import FundAccount, JournalEntry
from charity.grants import errors, tranches
from charity.grants.models_award import EvaluationState, Grant, MidtermEvaluation, Tranche, TrancheState
from charity.models_base import local_today
from tests.conftest import is_postgres
from tests.grants_award_helpers import awarded_grant
from tests.grants_helpers import community, user

WORKERS = 24


def _setup(app, world):
    with app.app_context():
        grant = awarded_grant(world, plan=(50, 50))
        # Test set-up: the second tranche's evaluation has passed already.
        db.session.add(MidtermEvaluation(grant_id=grant.id, tranche_seq=2, self_evaluation="按计划",
                                         state=EvaluationState.passed, opinion="同意"))
        db.session.commit()
        return grant.id, [t.id for t in grant.tranches]


def _pay_concurrently(app, tranche_ids):
    barrier = threading.Barrier(WORKERS)
    outcomes = []

    def pay(n):
        with app.app_context():
            tranche = db.session.get(Tranche, tranche_ids[n % len(tranche_ids)])
            admin = user("admin")
            db.session.commit()
            barrier.wait(timeout=60)
            try:
                tranches.pay_tranche(tranche, paid_on=local_today(), method="bank", idempotency_key=f"pay-{n}",
                                     actor=admin)
                db.session.commit()
                outcomes.append("ok")
            except (errors.TrancheNotPayable, errors.ExceedsAward):
                db.session.rollback()
                outcomes.append("refused")
            except Exception as exc:  # pragma: no cover - reported by the assertion below
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def _check(app, world, grant_id, outcomes):
    assert set(outcomes) <= {"ok", "refused"}, outcomes
    paid = outcomes.count("ok")
    assert 1 <= paid <= 2
    with app.app_context():
        grant = db.session.get(Grant, grant_id)
        assert grant.disbursed_fen == sum(t.amount_fen for t in grant.tranches if t.state == TrancheState.paid)
        assert grant.disbursed_fen <= grant.awarded_fen
        assert len([t for t in grant.tranches if t.state == TrancheState.paid]) == paid
        entries = db.session.scalar(sa.select(sa.func.count(JournalEntry.id)).where(
            JournalEntry.reference_id.like(f"G{grant.id}-T%")))
        assert entries == paid
        advances = db.session.scalar(sa.select(FundAccount.balance_fen).where(
            FundAccount.community_id == world.a, FundAccount.code == "1221"))
        assert advances == grant.disbursed_fen
        assert verification.verify_ledger(community(world)).ok


@pytest.mark.skipif(not is_postgres(), reason="needs CHARITY_TEST_DATABASE_URL on PostgreSQL")
def test_concurrent_tranche_payments_never_exceed_the_award_on_postgresql(app, world):
    grant_id, tranche_ids = _setup(app, world)
    _check(app, world, grant_id, _pay_concurrently(app, tranche_ids))


@pytest.mark.skipif(is_postgres(), reason="the SQLite run")
def test_concurrent_tranche_payments_never_exceed_the_award_on_sqlite(app, world):
    grant_id, tranche_ids = _setup(app, world)
    _check(app, world, grant_id, _pay_concurrently(app, tranche_ids))
