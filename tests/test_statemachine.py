"""The one state-machine helper (:mod:`charity.statemachine`): a legal step moves the
record, sets the other columns in the same UPDATE and writes the audit event; an illegal
step raises the one IllegalTransition (409) and changes nothing; of two sessions racing
on the same step exactly one wins (SQLite's write lock, PostgreSQL's row lock)."""

import threading

import pytest
import sqlalchemy as sa

from charity import errors
from charity.accounts.models import Community
from charity.audit.models import AuditEvent
from charity.extensions import db
from charity.needs.models import Need, NeedState
from charity.statemachine import IllegalTransition, Workflow
from tests.fixtures_partners import make_need_in

#: The test's own table (not the needs' one): start and finish, and a reset.
FLOW = Workflow(
    Need,
    {
        "park": ({NeedState.open}, NeedState.declined),
        "reopen": ({NeedState.declined, NeedState.closed}, NeedState.open),
    },
    audit_prefix="test",
    object_type="need",
    refused=lambda need, action: f"{action} refused from {need.state.value}",
    label=lambda need: f"#{need.id}",
)


def _audit(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def test_one_illegal_transition_class_with_status_409():
    assert IllegalTransition is errors.IllegalTransition
    assert IllegalTransition.status == 409
    from charity.fund.errors import PeriodTransitionError
    from charity.grants.errors import IllegalTransition as grants_illegal
    from charity.needs.services import IllegalNeedTransition
    from charity.points.errors import IllegalRedemptionTransition
    from charity.projects.services import IllegalTransition as projects_illegal

    # the old names are the same class, not subclasses
    for other in (grants_illegal, projects_illegal, IllegalRedemptionTransition, IllegalNeedTransition,
                  PeriodTransitionError):
        assert other is errors.IllegalTransition


def test_table_reading(app, world):
    need_id = make_need_in(app, world.a)
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert FLOW.allowed(need) == ["park"]
        assert FLOW.can(need, "park") and not FLOW.can(need, "reopen") and not FLOW.can(need, "fly")
        assert FLOW.target("park") == NeedState.declined
        assert FLOW.sources("reopen") == {NeedState.declined, NeedState.closed}


def test_legal_step_moves_sets_columns_and_audits(app, world):
    need_id = make_need_in(app, world.a)
    with app.app_context():
        need = db.session.get(Need, need_id)
        FLOW.step(need, "park", values={"decline_reason": "居民已搬离"}, community=db.session.get(Community, need.community_id),
                  before=lambda n: {"state": n.state.value, "reason": n.decline_reason},
                  extra={"note": "x"})
        # refreshed from the database
        assert need.state == NeedState.declined and need.decline_reason == "居民已搬离"
        db.session.commit()
        [event] = _audit("test.park")
        assert event.object_type == "need" and event.object_id == str(need_id)
        assert event.object_label == f"#{need_id}"
        assert event.community_id == world.a
        assert event.before == {"state": "open", "reason": None}
        assert event.after == {"state": "declined", "reason": "居民已搬离", "note": "x"}


def test_illegal_step_raises_and_changes_nothing(app, world):
    need_id = make_need_in(app, world.a)
    with app.app_context():
        need = db.session.get(Need, need_id)
        with pytest.raises(IllegalTransition) as exc:
            FLOW.step(need, "reopen", values={"decline_reason": "不该写入"})
        assert str(exc.value) == "reopen refused from open"
        assert exc.value.status == 409
        with pytest.raises(IllegalTransition):
            FLOW.step(need, "no-such-action")
        with pytest.raises(IllegalTransition) as exc:
            FLOW.check(need, "reopen")
        assert str(exc.value) == "reopen refused from open"
        db.session.commit()
        need = db.session.get(Need, need_id)
        assert need.state == NeedState.open and need.decline_reason is None
        assert _audit("test.reopen") == []


def test_step_refuses_a_stale_object(app, world):
    """The object in memory says open, the row says declined: the UPDATE's WHERE decides."""
    need_id = make_need_in(app, world.a)
    with app.app_context():
        need = db.session.get(Need, need_id)
        db.session.execute(sa.update(Need).where(Need.id == need_id)
                           .values(state=NeedState.declined, decline_reason="已搬离")
                           .execution_options(synchronize_session=False))
        assert need.state == NeedState.open  # stale in memory
        with pytest.raises(IllegalTransition, match="park refused from declined"):
            FLOW.step(need, "park")


def test_two_sessions_racing_exactly_one_wins(app, world):
    need_id = make_need_in(app, world.a)
    workers = 2
    barrier = threading.Barrier(workers)
    outcomes = []

    def work(n):
        with app.app_context():
            try:
                need = db.session.get(Need, need_id)
                assert need.state == NeedState.open
                barrier.wait(timeout=30)
                FLOW.step(need, "park", values={"decline_reason": f"worker {n}"},
                          community=db.session.get(Community, need.community_id))
                db.session.commit()
                outcomes.append("won")
            except IllegalTransition:
                db.session.rollback()
                outcomes.append("refused")
            except Exception as exc:  # pragma: no cover - reported by the assertion
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["refused", "won"], outcomes
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert need.state == NeedState.declined
        assert need.decline_reason in ("worker 0", "worker 1")
        assert len(_audit("test.park")) == 1
