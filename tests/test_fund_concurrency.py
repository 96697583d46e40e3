"""50 concurrent withdrawals of which only 20 fit: exactly 20 succeed and the balance
never goes below zero, on PostgreSQL (row lock) and on SQLite (write lock), with threads
each holding their own connection."""

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from charity.extensions import db
from charity.fund import income_spending, verification
from charity.fund.errors import InsufficientFunds
from charity.fund.models import FundAccount, JournalEntry
from tests.conftest import is_postgres
from tests.fund_helpers import community, fund

AMOUNT = 1_000


def _withdraw_concurrently(app, workers=50):
    barrier = threading.Barrier(workers)
    outcomes, lowest = [], []

    def withdraw(n):
        with app.app_context():
            c = community()
            db.session.commit()  # hand the connection back: the pool is smaller than 50
            barrier.wait(timeout=60)
            try:
                income_spending.pay_expense(c, amount_fen=AMOUNT, paid_on=date(2026, 2, 1), expense_account="510102",
                                            memo=f"提现 {n}", idempotency_key=f"withdraw-{n}")
                balance = db.session.scalar(sa.select(FundAccount.balance_fen).where(
                    FundAccount.community_id == c.id, FundAccount.code == "1002"))
                db.session.commit()
                lowest.append(balance)
                outcomes.append("ok")
            except InsufficientFunds:
                db.session.rollback()
                outcomes.append("refused")
            except Exception as exc:  # pragma: no cover - reported by the assertion below
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=withdraw, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes, lowest


def _check(app, outcomes, lowest):
    assert sorted(set(outcomes)) == ["ok", "refused"], outcomes
    assert outcomes.count("ok") == 20
    assert min(lowest) >= 0
    with app.app_context():
        c = community()
        bank = db.session.scalar(sa.select(FundAccount.balance_fen).where(
            FundAccount.community_id == c.id, FundAccount.code == "1002"))
        assert bank == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == 21
        assert verification.verify_ledger(c).ok


@pytest.mark.skipif(not is_postgres(), reason="needs CHARITY_TEST_DATABASE_URL on PostgreSQL")
def test_fifty_concurrent_withdrawals_on_postgresql(app, world):
    fund(app, world, amount_fen=20 * AMOUNT)
    outcomes, lowest = _withdraw_concurrently(app)
    _check(app, outcomes, lowest)


@pytest.mark.skipif(is_postgres(), reason="the SQLite run")
def test_fifty_concurrent_withdrawals_on_sqlite(app, world):
    fund(app, world, amount_fen=20 * AMOUNT)
    outcomes, lowest = _withdraw_concurrently(app)
    _check(app, outcomes, lowest)
