"""The needs list: every transition, every illegal one (a named error, nothing changed),
matching at a council meeting, and the approved resource list version."""

import pytest
import sqlalchemy as sa

from charity.audit.models import AuditEvent
from charity.errors import CharityError
from charity.extensions import db
from charity.needs import services
from charity.needs.models import Need, NeedState
from tests.conftest import count_rows
from tests.fixtures_partners import make_meeting_in, make_need_in, make_partner_in, make_service_in


@pytest.fixture
def served(app, world):
    """A partner with one active service in A; returns the service id."""
    return make_service_in(app, make_partner_in(app, world.a))


def _need_in_state(app, world, state, service_id):
    need_id = make_need_in(app, world.a)
    path = {
        NeedState.open: [],
        NeedState.matched: [("match", {"service_id": service_id})],
        NeedState.in_service: [("match", {"service_id": service_id}), ("start", {})],
        NeedState.closed: [("match", {"service_id": service_id}), ("start", {}), ("close", {})],
        NeedState.declined: [("decline", {"reason": "暂无资源"})],
    }[state]
    with app.app_context():
        need = db.session.get(Need, need_id)
        for action, kw in path:
            services.transition(need, action, **kw)
        db.session.commit()
        assert need.state == state
    return need_id


N = NeedState
#: The needs workflow as the programme runs it, written out here rather than read from
#: ``services``, so a wrong edit to the code's table fails these tests. Each step's legal
#: source states and its target; every other (state, step) pair is refused.
EXPECTED = {
    "match": ({N.open}, N.matched),                  # the council matches an open need
    "start": ({N.matched}, N.in_service),            # the service begins
    "close": ({N.in_service}, N.closed),             # the service is done
    "decline": ({N.open, N.matched}, N.declined),    # not before service starts; with a reason
    "reopen": ({N.declined, N.closed}, N.open),      # a finished or declined need comes back
}
STATES = [N.open, N.matched, N.in_service, N.closed, N.declined]
PAIRS = [(state, action) for state in STATES for action in EXPECTED]
LEGAL = [(state, action, EXPECTED[action][1]) for state, action in PAIRS if state in EXPECTED[action][0]]
ILLEGAL = [(state, action) for state, action in PAIRS if state not in EXPECTED[action][0]]


def test_the_written_table_covers_every_state():
    assert set(STATES) == set(NeedState)
    assert len(LEGAL) == 7 and len(ILLEGAL) == 5 * 5 - 7



@pytest.mark.parametrize("state,action,target", LEGAL, ids=[f"{s}-{a}" for s, a, _ in LEGAL])
def test_each_legal_transition_moves_and_is_audited(app, world, served, state, action, target):
    need_id = _need_in_state(app, world, state, served)
    kw = {"service_id": served, "note": "院坝集中服务"} if action == "match" else {}
    if action == "decline":
        kw = {"reason": "居民已搬离"}
    with app.app_context():
        need = db.session.get(Need, need_id)
        services.transition(need, action, **kw)
        db.session.commit()
        need = db.session.get(Need, need_id)
        assert need.state == target
        if target in (NeedState.matched,):
            assert need.matched_service_id == served and need.match_note == "院坝集中服务"
        if target == NeedState.open:
            assert need.matched_service_id is None and need.decline_reason is None
        if target == NeedState.declined:
            assert need.decline_reason == "居民已搬离"
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.object_type == "need")
                                  .order_by(AuditEvent.id.desc()).limit(1))
        assert event.action == f"need.{action}"
        assert event.before["state"] == state.value and event.after["state"] == target.value


@pytest.mark.parametrize("state,action", ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_each_illegal_transition_is_refused_and_changes_nothing(app, world, served, state, action):
    need_id = _need_in_state(app, world, state, served)
    events = count_rows(app, AuditEvent)
    with app.app_context():
        need = db.session.get(Need, need_id)
        before = (need.state, need.matched_service_id, need.decline_reason, need.match_note)
        with pytest.raises(CharityError):
            services.transition(need, action, service_id=served, reason="理由")
        db.session.rollback()
        need = db.session.get(Need, need_id)
        assert (need.state, need.matched_service_id, need.decline_reason, need.match_note) == before
    assert count_rows(app, AuditEvent) == events


def test_match_needs_an_active_service_of_this_community(app, world, served):
    other = make_service_in(app, make_partner_in(app, world.b, "平岗商家"), "平岗服务")
    paused = make_service_in(app, make_partner_in(app, world.a, "暂停商家", status="paused"), "暂停服务")
    stopped = make_service_in(app, make_partner_in(app, world.a, "停服商家"), "停止服务", active=False)
    need_id = make_need_in(app, world.a)
    with app.app_context():
        for service_id in (other, paused, stopped, 999999):
            need = db.session.get(Need, need_id)
            with pytest.raises(services.MatchTargetInvalid):
                services.transition(need, "match", service_id=service_id)
            db.session.rollback()
        assert db.session.get(Need, need_id).state == NeedState.open


def test_decline_needs_a_reason(app, world, served):
    need_id = make_need_in(app, world.a)
    with app.app_context():
        with pytest.raises(services.DeclineReasonMissing):
            services.transition(db.session.get(Need, need_id), "decline", reason="  ")
        db.session.rollback()
        assert db.session.get(Need, need_id).state == NeedState.open


def test_a_resident_is_named_only_with_consent(app, world):
    from charity.accounts.models import Community
    from charity.partners.services import category_by_name

    with app.app_context():
        community = db.session.get(Community, world.a)
        data = {"description": "理发", "group": "elderly", "people_count": 1, "source": "survey",
                "category_id": category_by_name(community, "爱心义剪").id, "resident_name": "王婆婆"}
        with pytest.raises(services.ConsentMissing):
            services.create_need(community, data)
        db.session.rollback()
    assert count_rows(app, Need) == 0
    assert make_need_in(app, world.a, resident_name="王婆婆", consent_recorded=True)


def test_the_council_matches_a_need_at_a_meeting_through_the_page(app, world, login_as, served):
    need_id = make_need_in(app, world.a)
    meeting_id = make_meeting_in(app, world.a)
    council = login_as("council")
    r = council.submit(f"/needs/{need_id}/match", {"service_id": served, "meeting_id": meeting_id,
                                                   "note": "每月上门"})
    assert r.status_code == 302
    page = council.get(f"/needs/meetings/{meeting_id}").get_data(as_text=True)
    assert "独居老人理发难" in page
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert need.state == NeedState.matched and need.matched_meeting_id == meeting_id
    # the same match again is illegal: a clear message, nothing changed
    r = council.submit(f"/needs/{need_id}/match", {"service_id": served, "meeting_id": 0})
    assert r.status_code == 422
    assert "不能" in r.get_data(as_text=True) or "cannot" in r.get_data(as_text=True)


def test_decline_without_reason_through_the_page_is_422(app, world, login_as):
    need_id = make_need_in(app, world.a)
    r = login_as("admin").submit(f"/needs/{need_id}/transition", {"action": "decline", "reason": ""})
    assert r.status_code == 422
    with app.app_context():
        assert db.session.get(Need, need_id).state == NeedState.open


def test_needs_list_filters_by_state_group_and_urgency(app, world, login_as, served):
    make_need_in(app, world.a, description="老人需求甲", urgency="high")
    make_need_in(app, world.a, description="儿童需求乙", group="children")
    declined = make_need_in(app, world.a, description="被婉拒的需求丙")
    with app.app_context():
        services.transition(db.session.get(Need, declined), "decline", reason="无资源")
        db.session.commit()
    auditor = login_as("auditor")
    page = auditor.get("/needs/?group=children").get_data(as_text=True)
    assert "儿童需求乙" in page and "老人需求甲" not in page
    page = auditor.get("/needs/?urgency=high").get_data(as_text=True)
    assert "老人需求甲" in page and "儿童需求乙" not in page
    page = auditor.get("/needs/?state=declined").get_data(as_text=True)
    assert "被婉拒的需求丙" in page and "老人需求甲" not in page
    assert auditor.get("/needs/?state=nonsense").status_code == 200


def test_meeting_form_refuses_attendees_of_another_community(app, world, login_as):
    r = login_as("council").submit("/needs/meetings/new", {
        "held_on": "2026-10-15", "title": "联席会", "user_ids": [world.users["other_admin"]]})
    assert r.status_code == 422
    from charity.needs.models import CouncilMeeting

    assert count_rows(app, CouncilMeeting) == 0


def test_staff_move_a_need_through_the_page(app, world, login_as, served):
    need_id = _need_in_state(app, world, NeedState.matched, served)
    admin = login_as("admin")
    r = admin.submit(f"/needs/{need_id}/transition", {"action": "start"}, follow_redirects=True)
    assert r.status_code == 200 and "服务中" in r.get_data(as_text=True)
    # a second "start" is illegal: a clear message, 422, nothing changed
    r = admin.submit(f"/needs/{need_id}/transition", {"action": "start"})
    assert r.status_code == 422 and "不能开始服务" in r.get_data(as_text=True)
    assert admin.submit(f"/needs/{need_id}/transition", {"action": "fly"}).status_code == 400
    assert login_as("auditor").submit(f"/needs/{need_id}/transition", {"action": "close"}).status_code == 403
    with app.app_context():
        assert db.session.get(Need, need_id).state == NeedState.in_service
