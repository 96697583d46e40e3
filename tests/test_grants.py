"""Micro-venture grants, steps 1–4: the workflow's transitions, recusal, quorum, the
round's cap, scoring, budgets and objections (services)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from charity.audit.models import AuditEvent
from charity.errors import CharityError, ValidationFailed
from charity.extensions import db
from charity.grants import applications, council, errors, notice, panels, review, rounds, workflow
from charity.grants.errors import (
    BudgetInvalid,
    CapExceeded,
    IllegalTransition,
    NoDeclaration,
    NotAnAttendee,
    NoticeNotOver,
    NotOnPanel,
    NotTheLeader,
    ObjectionPending,
    Recused,
    ScoringOpen,
)
from charity.grants.models import (
    ApplicationState,
    ConflictKind,
    DecisionOutcome,
    GrantRound,
    ObjectionState,
)
from charity.models_base import local_today
from tests.grants_helpers import (
    add_council,
    approve,
    community,
    make_application,
    make_round,
    make_team,
    meeting,
    score_all,
    to_notice,
    user,
)

S = ApplicationState


@pytest.fixture
def g(app, world):
    """A round (cap 10 000 yuan, max 5 000) with 3 council members and an expert on the
    panel, the leader's team, and an application of 3 000 yuan in review."""
    with app.app_context():
        rnd = make_round(world)
        team = make_team(world)
        application = make_application(world, rnd, team)
        db.session.commit()
        yield type("G", (), {"round": rnd, "team": team, "app": application})
        db.session.rollback()


def _events(action, app_id):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action,
                                                          AuditEvent.object_id == str(app_id))).all()


def _kwargs(action, application):
    return {"approve": {"approved_fen": application.requested_fen},
            "request_info": {"info_request": "请补充预算明细"}}.get(action, {})


def _put(application, state, **fields):
    """Test set-up only: place the application in ``state`` directly."""
    application.state = state
    for k, v in fields.items():
        setattr(application, k, v)
    db.session.flush()


#: The application / grant workflow as the programme runs it, written out here rather than
#: read from ``workflow``, so a wrong edit to the code's table fails these tests: each
#: step's legal source states and its target; every other (state, step) pair is refused.
EXPECTED = {
    "submit": ({S.draft}, S.submitted),                        # the leader applies
    "start_review": ({S.submitted, S.resubmitted}, S.in_review),  # staff accept it for review
    "request_info": ({S.in_review}, S.more_info),              # staff ask for more information
    "resubmit": ({S.more_info}, S.resubmitted),                # the leader answers
    "approve": ({S.in_review}, S.approved),                    # the council's vote
    "reject": ({S.in_review}, S.rejected),
    "publish": ({S.approved}, S.public_notice),                # staff publish it for notice
    "cancel": ({S.public_notice}, S.cancelled),                # an objection upheld
    "award": ({S.public_notice}, S.awarded),                   # notice over, nothing pending
    "activate": ({S.awarded}, S.active),                       # the first tranche is paid
    "submit_final_report": ({S.active}, S.final_report_submitted),
    "return_final_report": ({S.final_report_submitted}, S.active),
    "close": ({S.final_report_submitted}, S.closed),           # the council accepts the report
    "terminate": ({S.awarded, S.active, S.final_report_submitted}, S.terminated),
    "withdraw": ({S.draft, S.submitted, S.in_review, S.more_info, S.resubmitted}, S.withdrawn),  # before a decision
}
STATES = [S.draft, S.submitted, S.in_review, S.more_info, S.resubmitted, S.approved, S.rejected,
          S.public_notice, S.cancelled, S.awarded, S.active, S.final_report_submitted, S.closed,
          S.terminated, S.withdrawn]
LEGAL = [(action, state, target) for action, (sources, target) in EXPECTED.items()
         for state in STATES if state in sources]


def test_the_written_table_covers_every_state():
    assert set(STATES) == set(S)
    assert len(LEGAL) == 22


@pytest.mark.parametrize("action,state,target", LEGAL)
def test_each_legal_transition_moves_and_is_audited(g, action, state, target):
    application = g.app
    extra = {}
    if action == "award":
        extra = {"approved_fen": application.requested_fen, "notice_starts_on": local_today() - timedelta(days=20),
                 "notice_ends_on": local_today() - timedelta(days=13)}
    if action in ("cancel", "terminate", "close"):
        extra = {"approved_fen": application.requested_fen}
        workflow.commit_to_cap(application.round_id, application.requested_fen)
    _put(application, state, **extra)
    workflow.transition(application, action, actor=user("admin"), **_kwargs(action, application))
    db.session.commit()
    assert application.state == target
    event = _events(f"grant.{action}", application.id)[-1]
    assert event.before["state"] == state.value and event.after["state"] == target.value


@pytest.mark.parametrize("action", list(EXPECTED))
def test_each_illegal_transition_is_refused_and_changes_nothing(g, action):
    application = g.app
    sources, _target = EXPECTED[action]
    audited = len(_events(f"grant.{action}", application.id))
    for state in [state for state in STATES if state not in sources]:
        _put(application, state)
        db.session.commit()
        with pytest.raises(CharityError):
            workflow.transition(application, action, actor=user("admin"), **_kwargs(action, application))
        db.session.rollback()
        assert db.session.get(type(application), application.id).state == state
    assert len(_events(f"grant.{action}", application.id)) == audited
    assert db.session.get(GrantRound, g.round.id).committed_fen == 0


def test_unknown_step_is_refused(g):
    with pytest.raises(IllegalTransition):
        workflow.transition(g.app, "fly", actor=user("admin"))


# -- recusal -----------------------------------------------------------------------------

def test_a_recused_reviewer_can_neither_score_nor_vote(g, world):
    council2 = user("council2")
    review.declare_conflict(g.app, council2, ConflictKind.other, "我是该团队负责人的亲属")
    with pytest.raises(Recused):
        review.submit_scores(g.app, council2, {c.id: 8 for c in g.round.criteria})
    score_all(g.app)
    members = panels.holders_of(community(world), "council")
    m = meeting(world, members)
    db.session.commit()
    with pytest.raises(Recused):
        council.record_votes(g.app, m, {u.id: "approve" for u in members}, actor=user("admin"))
    db.session.rollback()
    assert council.votes_of(g.app) == [] and g.app.state == S.in_review
    # Without the recused member the vote goes through, out of the members not recused.
    votes = {u.id: "approve" for u in members if u.id != council2.id}
    decision = council.record_votes(g.app, m, votes, actor=user("admin"))
    assert (decision.eligible, decision.quorum, decision.outcome) == (2, 2, DecisionOutcome.approved)


def test_a_member_of_the_applying_team_must_declare_the_conflict(g, world):
    from charity.teams import services as teams
    from charity.teams.models import TeamRole

    council3 = user("council3")
    teams.create_volunteer(community(world), name="委员3", phone="13900000003", user=council3, team=g.team,
                           role=TeamRole.member)
    with pytest.raises(ValidationFailed):
        review.declare_conflict(g.app, council3, ConflictKind.none)
    assert review.declare_conflict(g.app, council3, ConflictKind.team_member).recused


def test_scoring_needs_a_declaration_and_a_panel_seat(g, world):
    with pytest.raises(NoDeclaration):
        review.submit_scores(g.app, user("expert"), {c.id: 5 for c in g.round.criteria})
    with pytest.raises(NotOnPanel):
        review.declare_conflict(g.app, user("auditor"), ConflictKind.none)
    with pytest.raises(NotOnPanel):
        review.submit_scores(g.app, user("auditor"), {c.id: 5 for c in g.round.criteria})


def test_scores_out_of_range_or_incomplete_are_refused(g):
    expert = user("expert")
    review.declare_conflict(g.app, expert, ConflictKind.none)
    criteria = g.round.criteria
    with pytest.raises(ValidationFailed):
        review.submit_scores(g.app, expert, {c.id: 11 for c in criteria})
    with pytest.raises(ValidationFailed):
        review.submit_scores(g.app, expert, {criteria[0].id: 5})
    assert review.sheets_of(g.app) == []


# -- scores --------------------------------------------------------------------------------

def test_average_and_spread_show_only_when_every_reviewer_has_scored(g):
    expert = user("expert")
    review.declare_conflict(g.app, expert, ConflictKind.none)
    review.submit_scores(g.app, expert, {c.id: 10 for c in g.round.criteria})
    status = review.scoring_status(g.app)
    assert not status.complete and status.average is None and status.spread is None
    score_all(g.app, points=6)
    status = review.scoring_status(g.app)
    assert status.complete
    assert status.average == pytest.approx((10 + 6 * 3) / 4) and status.spread == 4


def test_weighted_total_uses_the_weights(g):
    expert = user("expert")
    review.declare_conflict(g.app, expert, ConflictKind.none)
    criteria = g.round.criteria  # 25, 25, 20, 15, 15
    sheet = review.submit_scores(g.app, expert, dict(zip([c.id for c in criteria], [10, 0, 5, 4, 8], strict=True)))
    assert sheet.weighted_centi == 10 * 25 + 0 + 5 * 20 + 4 * 15 + 8 * 15


def test_the_chair_closes_scoring_early_and_only_the_chair(g, world):
    expert = user("expert")
    review.declare_conflict(g.app, expert, ConflictKind.none)
    review.submit_scores(g.app, expert, {c.id: 8 for c in g.round.criteria})
    with pytest.raises(NotOnPanel):
        review.close_scoring(g.app, actor=user("council2"), roles={"council"})
    panels.set_chair(g.round, user("council2").id)
    review.close_scoring(g.app, actor=user("council2"), roles={"council"})
    status = review.scoring_status(g.app)
    assert status.complete and status.closed_early and status.average == 8
    with pytest.raises(IllegalTransition):
        review.submit_scores(g.app, user("council"), {c.id: 5 for c in g.round.criteria})


def test_no_vote_before_scoring_is_complete(g, world):
    members = panels.holders_of(community(world), "council")
    with pytest.raises(ScoringOpen):
        council.record_votes(g.app, meeting(world, members), {u.id: "approve" for u in members},
                             actor=user("admin"))


# -- quorum ----------------------------------------------------------------------------------

@pytest.fixture
def five(g, world):
    """Five council members (quorum 3 of 5 under the majority rule), scoring done."""
    add_council(world, 4)
    score_all(g.app)
    return panels.holders_of(community(world), "council")


def _vote(world, g, members, choices):
    m = meeting(world, members)
    return council.record_votes(g.app, m, dict(zip([u.id for u in members], choices, strict=True)), actor=user("admin"))


def test_quorum_exactly_reached_decides(g, world, five):
    decision = _vote(world, g, five[:3], ["approve", "approve", "reject"])
    assert (decision.eligible, decision.quorum) == (5, 3)
    assert decision.outcome == DecisionOutcome.approved and g.app.state == S.approved
    assert g.app.approved_fen == g.app.requested_fen
    assert db.session.get(GrantRound, g.round.id).committed_fen == g.app.requested_fen


def test_one_short_of_quorum_decides_nothing(g, world, five):
    decision = _vote(world, g, five[:2], ["approve", "approve"])
    assert decision.outcome == DecisionOutcome.no_decision and g.app.state == S.in_review
    assert db.session.get(GrantRound, g.round.id).committed_fen == 0
    # A later meeting decides.
    assert _vote(world, g, five, ["approve"] * 5).outcome == DecisionOutcome.approved


def test_all_abstaining_decides_nothing(g, world, five):
    decision = _vote(world, g, five, ["abstain"] * 5)
    assert decision.outcome == DecisionOutcome.no_decision and g.app.state == S.in_review


def test_a_majority_of_votes_cast_is_needed(g, world, five):
    # 2 approve, 1 reject, 2 abstain: approve is not more than half of 5 votes cast.
    assert _vote(world, g, five, ["approve", "approve", "reject", "abstain", "abstain"]).outcome \
        == DecisionOutcome.no_decision
    assert _vote(world, g, five, ["reject", "reject", "reject", "approve", "abstain"]).outcome \
        == DecisionOutcome.rejected
    assert g.app.state == S.rejected


def test_recusal_lowers_the_quorum(g, world, five):
    for u in five[:2]:
        review.declare_conflict(g.app, u, ConflictKind.other, "利益相关") if review.declaration(g.app, u) \
            is None else None
    # Both declared "none" while scoring; a fresh application shows recusal at the count.
    assert council.quorum_for(3, "majority") == 2 and council.quorum_for(5, "two_thirds") == 4
    assert council.quorum_for(4, "majority") == 3


def test_only_attendees_and_council_members_vote(g, world, five):
    m = meeting(world, five[:3])
    db.session.commit()
    with pytest.raises(NotAnAttendee):
        council.record_votes(g.app, m, {five[4].id: "approve"}, actor=user("admin"))
    with pytest.raises(NotOnPanel):
        council.record_votes(g.app, m, {user("expert").id: "approve"}, actor=user("admin"))
    db.session.rollback()
    assert council.votes_of(g.app) == []


def test_a_meetings_votes_are_recorded_once(g, world, five):
    m = meeting(world, five)
    council.record_votes(g.app, m, {five[0].id: "approve"}, actor=user("admin"))
    with pytest.raises(errors.AlreadyDone):
        council.record_votes(g.app, m, {five[1].id: "approve"}, actor=user("admin"))


def test_approved_amount_may_be_lower_and_carry_conditions(g, world, five):
    m = meeting(world, five)
    council.record_votes(g.app, m, {u.id: "approve" for u in five}, approved_fen=2_500_00,
                         conditions="活动须有社工督导", actor=user("admin"))
    assert (g.app.approved_fen, g.app.conditions) == (2_500_00, "活动须有社工督导")


# -- the round's cap ------------------------------------------------------------------------

def test_an_approval_beyond_the_cap_is_refused(ctx, world):
    rnd = make_round(world, cap_fen=5_000_00, max_fen=4_000_00)
    first = make_application(world, rnd, make_team(world), total_fen=4_000_00)
    second = make_application(world, rnd, make_team(world, "银发互助队", phone="13900000002"),
                              total_fen=2_000_00, title="银发课堂")
    approve(world, first)
    db.session.commit()
    with pytest.raises(CapExceeded):
        approve(world, second)
    db.session.rollback()
    assert db.session.get(GrantRound, rnd.id).committed_fen == 4_000_00
    assert db.session.get(type(second), second.id).state == S.in_review
    # A lower amount within what is left is approved.
    m = meeting(world, panels.holders_of(community(world), "council"), title="第二次会议")
    council.record_votes(second, m, {u.id: "approve" for u in panels.holders_of(community(world), "council")},
                         approved_fen=1_000_00, actor=user("admin"))
    assert db.session.get(GrantRound, rnd.id).committed_fen == 5_000_00


def test_the_cap_check_constraint_backs_up_the_update(ctx, world):
    rnd = make_round(world, cap_fen=1_000_00, max_fen=1_000_00)
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(GrantRound).where(GrantRound.id == rnd.id).values(committed_fen=1_000_01))
    db.session.rollback()


# -- applications ------------------------------------------------------------------------------

def test_a_budget_above_the_maximum_or_with_a_bad_line_is_refused(g, world):
    with pytest.raises(BudgetInvalid):
        applications.create_application(g.round, make_team(world, "另一队", phone="13900000009"),
                                    {"title": "太贵"}, [applications.LineInput("设备", 1, 5_000_01)],
                                    actor=user("leader"))
    application = _draft(g, world)
    for bad in ([applications.LineInput("设备", 0, 100)], [applications.LineInput("设备", 1, -5)], []):
        with pytest.raises(BudgetInvalid):
            applications.update_application(application, {"title": "x"}, bad, actor=user("leader"))
    assert application.requested_fen == 3_000_00


def _draft(g, world):
    applications.team_step(g.app, "withdraw", actor=user("leader"))
    application = make_application(world, g.round, g.team, state="draft")
    return application


def test_budget_lines_total_checked(g, world):
    application = _draft(g, world)
    lines = [applications.LineInput("绘本", 20, 45_00), applications.LineInput("场地布置", 2, 150_00)]
    applications.update_application(application, {"title": "亲子共读"}, lines, actor=user("leader"))
    assert application.requested_fen == 20 * 45_00 + 2 * 150_00
    assert [ln.line_total_fen for ln in application.budget_lines] == [900_00, 300_00]


def test_only_the_teams_leader_applies(g, world):
    other = make_team(world, "银发互助队", leader="admin", phone="13900000002")
    with pytest.raises(NotTheLeader):
        applications.create_application(g.round, other, {"title": "x"}, [applications.LineInput("a", 1, 100)],
                                        actor=user("leader"))
    with pytest.raises(NotTheLeader):
        applications.team_step(g.app, "withdraw", actor=user("council"))


def test_withdrawn_only_before_a_decision(g, world):
    approve(world, g.app)
    with pytest.raises(IllegalTransition):
        applications.team_step(g.app, "withdraw", actor=user("leader"))


def test_more_info_round_trip(g):
    applications.staff_step(g.app, "request_info", actor=user("admin"), info_request="请补充场地证明")
    assert g.app.state == S.more_info and g.app.info_request == "请补充场地证明"
    applications.update_application(g.app, {"title": "亲子共读（修订）"}, [applications.LineInput("绘本", 10, 100_00)],
                                    actor=user("leader"))
    applications.team_step(g.app, "resubmit", actor=user("leader"))
    applications.staff_step(g.app, "start_review", actor=user("admin"))
    assert g.app.state == S.in_review and g.app.requested_fen == 1_000_00


def test_criteria_weights_must_sum_to_100(ctx, world):
    from charity.grants.errors import RoundInvalid

    c = community(world)
    data = {"name": "测试轮", "cap_fen": 100, "max_per_application_fen": 100, "opens_on": local_today(),
            "closes_on": local_today(), "notice_days": 5}
    with pytest.raises(RoundInvalid):
        rounds.create_round(c, data, criteria=[("需求", "", 60), ("设计", "", 30)])
    rnd = rounds.create_round(c, data)
    assert sum(cr.weight for cr in rnd.criteria) == 100 and len(rnd.criteria) == 5


# -- public notice and objections --------------------------------------------------------------

def test_notice_counts_working_days(app):
    from datetime import date

    with app.app_context():
        assert workflow.add_working_days(date(2026, 11, 27), 5) == date(2026, 12, 3)  # Fri → Thu
        assert workflow.add_working_days(date(2026, 11, 28), 1) == date(2026, 11, 30)  # Sat → Mon
        app.config["GRANT_NOTICE_HOLIDAYS"] = ["2026-12-01"]
        assert workflow.add_working_days(date(2026, 11, 30), 2) == date(2026, 12, 2)


def test_award_waits_for_the_end_of_the_notice(g, world):
    to_notice(world, g.app)
    with pytest.raises(NoticeNotOver):
        workflow.transition(g.app, "award", actor=user("admin"))
    db.session.rollback()
    assert db.session.get(type(g.app), g.app.id).state == S.public_notice


def test_an_unresolved_objection_blocks_the_award(g, world):
    to_notice(world, g.app)
    objection = notice.lodge_objection(community(world), g.app.id, name="李女士", contact="13800001111",
                                       reason="该团队去年活动未完成")
    _put(g.app, S.public_notice, notice_starts_on=local_today() - timedelta(days=14),
         notice_ends_on=local_today() - timedelta(days=7))
    db.session.commit()
    with pytest.raises(ObjectionPending):
        workflow.transition(g.app, "award", actor=user("admin"))
    db.session.rollback()
    notice.resolve_objection(objection, "dismissed", "经核实，去年活动已按期完成", actor=user("council"))
    workflow.transition(g.app, "award", actor=user("admin"))
    assert g.app.state == S.awarded


def test_an_upheld_objection_cancels_the_grant_and_releases_the_cap(g, world):
    to_notice(world, g.app)
    assert db.session.get(GrantRound, g.round.id).committed_fen == 3_000_00
    objection = notice.lodge_objection(community(world), g.app.id, name="王先生", contact="wx: wang",
                                       reason="预算中的场地费重复")
    with pytest.raises(ValidationFailed):
        notice.resolve_objection(objection, "upheld", "  ", actor=user("council"))
    notice.resolve_objection(objection, "upheld", "场地费确有重复", actor=user("council"))
    assert objection.state == ObjectionState.upheld and g.app.state == S.cancelled
    assert db.session.get(GrantRound, g.round.id).committed_fen == 0
    event = _events("grant.objection.upheld", objection.id)[0]
    assert event.after["resolution"] == "场地费确有重复"
    with pytest.raises(IllegalTransition):
        notice.resolve_objection(objection, "dismissed", "再议", actor=user("council"))


def test_objections_only_during_the_notice(g, world):
    with pytest.raises(errors.NoticeClosed):
        notice.lodge_objection(community(world), g.app.id, name="a", contact="b", reason="c")
    to_notice(world, g.app)
    _put(g.app, S.public_notice, notice_starts_on=local_today() - timedelta(days=14),
         notice_ends_on=local_today() - timedelta(days=7))
    with pytest.raises(errors.NoticeClosed):
        notice.lodge_objection(community(world), g.app.id, name="a", contact="b", reason="c")


def test_the_objection_audit_keeps_no_contact(g, world):
    to_notice(world, g.app)
    objection = notice.lodge_objection(community(world), g.app.id, name="李女士", contact="13800001111",
                                       reason="理由")
    event = _events("grant.objection.lodge", objection.id)[0]
    assert "13800001111" not in str(event.after)


def test_a_reviewer_who_took_part_stays_on_the_panel(g, world):
    expert_row = next(r for r in g.round.reviewers if r.user.username == "expert")
    review.declare_conflict(g.app, user("expert"), ConflictKind.none)
    with pytest.raises(IllegalTransition):
        panels.remove_reviewer(expert_row, actor=user("admin"))
    council2_row = next(r for r in g.round.reviewers if r.user.username == "council2")
    panels.remove_reviewer(council2_row, actor=user("admin"))
    assert "council2" not in {r.user.username for r in g.round.reviewers}


def test_only_role_holders_join_the_panel(g, world):
    with pytest.raises(ValidationFailed):
        panels.add_reviewer(g.round, user("auditor").id, kind="council")
    with pytest.raises(ValidationFailed):
        panels.add_reviewer(g.round, user("council").id, kind="expert")
    with pytest.raises(ValidationFailed):
        panels.add_reviewer(g.round, user("expert").id, kind="expert")  # on the panel already
