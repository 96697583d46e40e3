"""Concurrent council decisions that together exceed the round's cap: the committed
total never exceeds it (each thread on its own connection and transaction)."""

import threading

import pytest
import sqlalchemy as sa

from charity.extensions import db
from charity.grants import council, panels
from charity.grants.errors import CapExceeded
from charity.grants.models import Application, ApplicationState, GrantRound
from tests.conftest import is_postgres
from tests.grants_helpers import community, make_application, make_round, make_team, meeting, score_all, user

REQUEST = 3_000_00
CAP = 10_000_00  # room for three approvals of 3 000 yuan, not four


def _setup(app, world, n):
    with app.app_context():
        rnd = make_round(world, cap_fen=CAP, max_fen=REQUEST)
        ids = []
        for i in range(n):
            team = make_team(world, f"团队{i}", phone=f"1390000{i:04d}")
            application = make_application(world, rnd, team, total_fen=REQUEST, title=f"项目{i}")
            score_all(application)
            ids.append(application.id)
        m = meeting(world, panels.holders_of(community(world), "council"))
        db.session.commit()
        return rnd.id, ids, m.id


def _approve_concurrently(app, world, ids, meeting_id):
    barrier = threading.Barrier(len(ids))
    outcomes = []

    def decide(app_id):
        from charity.needs.models import CouncilMeeting

        with app.app_context():
            application = db.session.get(Application, app_id)
            m = db.session.get(CouncilMeeting, meeting_id)
            voters = {u.id: "approve" for u in panels.holders_of(community(world), "council")}
            admin = user("admin")
            db.session.commit()
            barrier.wait(timeout=60)
            try:
                council.record_votes(application, m, voters, actor=admin)
                db.session.commit()
                outcomes.append("ok")
            except CapExceeded:
                db.session.rollback()
                outcomes.append("refused")
            except Exception as exc:  # pragma: no cover - reported by the assertion below
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def _check(app, round_id, outcomes):
    assert sorted(set(outcomes)) == ["ok", "refused"], outcomes
    assert outcomes.count("ok") == 3
    with app.app_context():
        rnd = db.session.get(GrantRound, round_id)
        approved = db.session.scalars(sa.select(Application).where(
            Application.round_id == round_id, Application.state == ApplicationState.approved)).all()
        assert rnd.committed_fen == sum(a.approved_fen for a in approved) == 3 * REQUEST <= rnd.cap_fen
        assert len(approved) == 3


@pytest.mark.skipif(not is_postgres(), reason="needs CHARITY_TEST_DATABASE_URL on PostgreSQL")
def test_concurrent_approvals_never_exceed_the_cap_on_postgresql(app, world):
    round_id, ids, meeting_id = _setup(app, world, 8)
    _check(app, round_id, _approve_concurrently(app, world, ids, meeting_id))


@pytest.mark.skipif(is_postgres(), reason="the SQLite run")
def test_concurrent_approvals_never_exceed_the_cap_on_sqlite(app, world):
    round_id, ids, meeting_id = _setup(app, world, 8)
    _check(app, round_id, _approve_concurrently(app, world, ids, meeting_id))
