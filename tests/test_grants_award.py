"""Micro-venture grants after the award (steps 5–7): the award, the agreement, tranches,
mid-term evaluations, expense claims, the final report and termination (services)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from charity.errors import ValidationFailed
from charity.extensions import db
from charity.fund import verification
from charity.fund.errors import InsufficientFunds
from charity.fund.models import FundAccount, JournalEntry
from charity.fund.statement import build_statement
from charity.grants import agreements, claims, closing, documents, errors, evaluations, notice, tranches
from charity.grants.errors import IllegalTransition, NoticeNotOver, NotTheLeader, ObjectionPending, Recused
from charity.grants.models import ApplicationState, ConflictDeclaration, ConflictKind, GrantRound
from charity.grants.models_award import ClaimState, EvaluationState, FinalReportState, Grant, TrancheState
from charity.models_base import local_today
from charity.projects import services as projects
from charity.projects.models import Project, ProjectState
from tests.access_teams import png_bytes
from tests.grants_award_helpers import (
    awarded_grant,
    logged_activity,
    noticed_application,
    pass_midterm,
    pay,
    put_money,
)
from tests.grants_helpers import community, make_application, make_round, make_team, to_notice, user

S = ApplicationState


@pytest.fixture
def ctx(app, world):
    with app.app_context():
        yield world
        db.session.rollback()


def _balance(world, code):
    return db.session.scalar(sa.select(FundAccount.balance_fen).where(
        FundAccount.community_id == world.a, FundAccount.code == code))


def _entries(grant):
    return db.session.scalars(sa.select(JournalEntry).where(JournalEntry.reference_id.like(f"G{grant.id}-%"))
                              .order_by(JournalEntry.seq)).all()


def _fresh(grant):
    db.session.expire_all()
    return db.session.get(Grant, grant.id)


def _ledger_ok(world):
    result = verification.verify_ledger(community(world))
    assert result.ok, result.problem


# -- award -----------------------------------------------------------------------------

def test_award_creates_grant_plan_and_the_teams_project(ctx):
    application = noticed_application(ctx, total_fen=3_333_30)
    grant = agreements.award(application, actor=user("admin"))
    db.session.commit()
    assert application.state == S.awarded
    assert grant.awarded_fen == 3_333_30 and grant.disbursed_fen == 0
    assert [t.amount_fen for t in grant.tranches] == [1_666_65, 999_99, 666_66]
    assert sum(t.amount_fen for t in grant.tranches) == grant.awarded_fen
    assert [t.needs_evaluation for t in grant.tranches] == [False, True, True]
    assert grant.project.team_id == application.team_id and grant.project.state == ProjectState.claimed
    assert grant.agreement_no == f"DONGYI-{local_today().year}-WCT-01" or grant.agreement_no.endswith("-WCT-01")


def _claimed_project(world, team, title="亲子共读·绘本时光"):
    project = projects.create_project(community(world), title=title, actor=user("admin"))
    projects.transition_project(project, "claim", team=team, actor=user("leader"))
    db.session.flush()
    return project


def test_award_may_fund_a_project_the_team_already_runs(ctx):
    team = make_team(ctx)
    project = _claimed_project(ctx, team)
    application = noticed_application(ctx, team=team)
    assert agreements.fundable_projects(application) == [project]
    before = db.session.scalar(sa.select(sa.func.count(Project.id)))
    grant = agreements.award(application, project=project, actor=user("admin"))
    db.session.commit()
    assert grant.project_id == project.id
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == before
    # Funded now: a second award cannot take it.
    assert agreements.fundable_projects(application) == []


def test_award_refuses_another_teams_or_a_funded_project_and_changes_nothing(ctx):
    team = make_team(ctx)
    other = make_team(ctx, name="银龄守望探访队", leader="volunteer", phone="13900000002")
    theirs = _claimed_project(ctx, other, title="空巢老人入户探访")
    application = noticed_application(ctx, team=team)
    with pytest.raises(ValidationFailed):
        agreements.award(application, project=theirs, actor=user("admin"))
    db.session.rollback()
    assert application.state == S.public_notice and application.grant is None
    assert theirs.state == ProjectState.claimed


@pytest.mark.parametrize("plan", [(50, 30), (0, 100), (50, 50, 0), (), (101,), (1,) * 7, (50.0, 50)])
def test_a_bad_tranche_plan_is_refused_and_changes_nothing(ctx, plan):
    application = noticed_application(ctx)
    with pytest.raises(errors.PlanInvalid):
        agreements.award(application, tranche_percents=plan, actor=user("admin"))
    db.session.rollback()
    assert application.state == S.public_notice and application.grant is None


def test_plan_is_configurable_and_sums_exactly_in_fen():
    assert agreements.plan_amounts(1_000_01, (60, 40)) == [60_000, 40_001]
    assert agreements.plan_amounts(7, (34, 33, 33)) == [2, 2, 3]
    with pytest.raises(errors.PlanInvalid):
        agreements.plan_amounts(2, (50, 30, 20))


def test_an_unresolved_objection_blocks_the_award(ctx):
    rnd = make_round(ctx)
    application = make_application(ctx, rnd, make_team(ctx))
    to_notice(ctx, application)  # the notice starts today
    objection = notice.lodge_objection(community(ctx), application.id, name="居民甲", contact="13800000000",
                                       reason="该队伍去年活动未完成")
    # Test set-up: the notice period lies in the past now.
    application.notice_starts_on = local_today() - timedelta(days=20)
    application.notice_ends_on = local_today() - timedelta(days=13)
    db.session.commit()
    with pytest.raises(ObjectionPending):
        agreements.award(application, actor=user("admin"))
    db.session.rollback()
    assert application.state == S.public_notice and application.grant is None
    notice.resolve_objection(objection, "dismissed", "经核实，去年活动已全部完成", actor=user("council"))
    grant = agreements.award(application, actor=user("admin"))
    db.session.commit()
    assert grant.application.state == S.awarded


def test_award_waits_for_the_end_of_the_notice(ctx):
    rnd = make_round(ctx)
    application = make_application(ctx, rnd, make_team(ctx))
    to_notice(ctx, application)
    with pytest.raises(NoticeNotOver):
        agreements.award(application, actor=user("admin"))
    db.session.rollback()
    assert application.state == S.public_notice


def test_award_twice_is_refused(ctx):
    grant = awarded_grant(ctx, signed=False)
    with pytest.raises(IllegalTransition):
        agreements.award(grant.application, actor=user("admin"))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Grant.id))) == 1


# -- agreement and tranches --------------------------------------------------------------

def test_an_unsigned_agreement_blocks_the_first_tranche(ctx):
    grant = awarded_grant(ctx, signed=False)
    bank = _balance(ctx, "1002")
    with pytest.raises(errors.AgreementUnsigned):
        pay(grant, 1)
    db.session.rollback()
    grant = _fresh(grant)
    assert grant.disbursed_fen == 0 and grant.tranches[0].state == TrancheState.planned
    assert _entries(grant) == [] and _balance(ctx, "1002") == bank


def test_signing_needs_both_signatories_and_happens_once(ctx):
    grant = awarded_grant(ctx, signed=False)
    with pytest.raises(ValidationFailed):
        agreements.record_agreement_signed(grant, signed_on=local_today(), team_signatory=" ", centre_signatory="李主任",
                                           actor=user("admin"))
    with pytest.raises(ValidationFailed):
        agreements.record_agreement_signed(grant, signed_on=local_today() + timedelta(days=1), team_signatory="王",
                                           centre_signatory="李", actor=user("admin"))
    # The agreement is drawn up at the award: it cannot be signed before.
    with pytest.raises(ValidationFailed):
        agreements.record_agreement_signed(grant, signed_on=local_today() - timedelta(days=1), team_signatory="王",
                                           centre_signatory="李", actor=user("admin"))
    db.session.rollback()
    agreements.record_agreement_signed(grant, signed_on=local_today(), team_signatory="王队长", centre_signatory="李主任",
                                       actor=user("admin"))
    db.session.commit()
    with pytest.raises(errors.AlreadySigned):
        agreements.record_agreement_signed(grant, signed_on=local_today(), team_signatory="王", centre_signatory="李",
                                           actor=user("admin"))


def test_first_tranche_posts_dr_1221_cr_bank_and_starts_the_grant(ctx):
    grant = awarded_grant(ctx)
    bank = _balance(ctx, "1002")
    pay(grant, 1)
    grant = _fresh(grant)
    assert grant.disbursed_fen == 1_500_00 and grant.tranches[0].state == TrancheState.paid
    assert grant.application.state == S.active and grant.project.state == ProjectState.active
    [entry] = _entries(grant)
    assert entry.reference_type == "grant_tranche" and entry.reference_id == f"G{grant.id}-T1"
    assert entry.project == grant.project.title
    assert {(line.account.code, line.amount_fen) for line in entry.lines} == {("1221", 1_500_00),
                                                                               ("1002", -1_500_00)}
    assert _balance(ctx, "1002") == bank - 1_500_00 and _balance(ctx, "1221") == 1_500_00
    _ledger_ok(ctx)


def test_a_double_click_pays_once(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1, key="same-key-1")
    pay(grant, 1, key="same-key-1")
    assert _fresh(grant).disbursed_fen == 1_500_00 and len(_entries(grant)) == 1


def test_a_paid_tranche_is_not_paid_again(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    with pytest.raises(errors.TrancheNotPayable):
        pay(grant, 1, key="another-key")
    db.session.rollback()
    assert _fresh(grant).disbursed_fen == 1_500_00


def test_later_tranches_wait_for_a_passed_evaluation_and_go_in_order(ctx):
    grant = awarded_grant(ctx)
    with pytest.raises(errors.TrancheNotPayable):
        pay(grant, 2)
    db.session.rollback()
    pay(grant, 1)
    with pytest.raises(errors.EvaluationRequired):
        pay(grant, 2)
    db.session.rollback()
    pass_midterm(_fresh(grant))
    pay(_fresh(grant), 2)
    assert _fresh(grant).disbursed_fen == 2_400_00


def test_a_tranche_beyond_the_award_is_refused(ctx):
    grant = awarded_grant(ctx)
    # Test set-up: money paid outside the plan brings the grant close to its award.
    db.session.execute(sa.update(Grant).where(Grant.id == grant.id).values(disbursed_fen=2_000_00))
    db.session.commit()
    with pytest.raises(errors.ExceedsAward):
        pay(_fresh(grant), 1)
    db.session.rollback()
    grant = _fresh(grant)
    assert grant.disbursed_fen == 2_000_00 and grant.tranches[0].state == TrancheState.planned
    assert _entries(grant) == []


def test_never_more_than_the_fund_holds(ctx):
    grant = awarded_grant(ctx, money=False)
    put_money(ctx, 1_000_00)
    with pytest.raises(InsufficientFunds):
        pay(grant, 1)
    db.session.rollback()
    grant = _fresh(grant)
    assert grant.disbursed_fen == 0 and grant.tranches[0].state == TrancheState.planned
    assert grant.application.state == S.awarded


# -- mid-term evaluation ----------------------------------------------------------------

def test_evaluation_cites_activities_and_can_ask_for_more_material(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    activity = logged_activity(ctx, grant)
    evaluation = evaluations.submit_evaluation(grant, self_evaluation="完成两期共读", activity_ids=[activity.id],
                                               actor=user("leader"))
    assert evaluation.tranche_seq == 2 and [a.id for a in evaluation.activities] == [activity.id]
    with pytest.raises(IllegalTransition):  # already with the evaluators
        evaluations.submit_evaluation(grant, self_evaluation="再交一份", actor=user("leader"))
    evaluations.evaluate(evaluation, "more_material", opinion="请补充签到表", actor=user("council"))
    db.session.commit()
    with pytest.raises(errors.EvaluationRequired):
        pay(grant, 2)
    db.session.rollback()
    again = evaluations.submit_evaluation(grant, self_evaluation="已补充签到表", activity_ids=[activity.id],
                                          actor=user("leader"))
    assert again.id == evaluation.id and again.state == EvaluationState.submitted
    evaluations.evaluate(again, "passed", opinion="同意拨付", actor=user("council"))
    db.session.commit()
    pay(grant, 2)


def test_only_the_leader_submits_and_only_council_evaluates(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    with pytest.raises(NotTheLeader):
        evaluations.submit_evaluation(grant, self_evaluation="x", actor=user("admin"))
    evaluation = evaluations.submit_evaluation(grant, self_evaluation="按计划推进", actor=user("leader"))
    for who in ("admin", "leader", "expert", "auditor"):
        with pytest.raises(errors.NotAnEvaluator):
            evaluations.evaluate(evaluation, "passed", opinion="好", actor=user(who))
    with pytest.raises(ValidationFailed):
        evaluations.evaluate(evaluation, "passed", opinion="  ", actor=user("council"))
    with pytest.raises(ValidationFailed):  # activities of another project
        evaluations.submit_evaluation(grant, self_evaluation="x", activity_ids=[999999], actor=user("leader"))


def test_a_recused_council_member_cannot_evaluate(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    # Test set-up: council2 declared (after the vote) that a relative joined the team.
    declaration = db.session.scalar(sa.select(ConflictDeclaration).where(
        ConflictDeclaration.application_id == grant.application_id,
        ConflictDeclaration.user_id == user("council2").id))
    declaration.kind = ConflictKind.team_member
    evaluation = evaluations.submit_evaluation(grant, self_evaluation="按计划推进", actor=user("leader"))
    with pytest.raises(Recused):
        evaluations.evaluate(evaluation, "passed", opinion="好", actor=user("council2"))


@pytest.mark.parametrize("state", [EvaluationState.passed, EvaluationState.failed, EvaluationState.more_material])
@pytest.mark.parametrize("outcome", ["passed", "failed", "more_material"])
def test_a_decided_evaluation_cannot_be_decided_again(ctx, state, outcome):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    evaluation = evaluations.submit_evaluation(grant, self_evaluation="按计划推进", actor=user("leader"))
    evaluation.state, evaluation.opinion = state, "已评"
    db.session.commit()
    with pytest.raises(IllegalTransition):
        evaluations.evaluate(evaluation, outcome, opinion="再评", actor=user("council"))
    db.session.rollback()
    assert evaluation.state == state


def test_unknown_outcome_is_refused(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    evaluation = evaluations.submit_evaluation(grant, self_evaluation="按计划推进", actor=user("leader"))
    with pytest.raises(IllegalTransition):
        evaluations.evaluate(evaluation, "submitted", opinion="x", actor=user("council"))


def test_a_failed_evaluation_blocks_every_later_tranche_and_is_published(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    evaluation = evaluations.submit_evaluation(grant, self_evaluation="活动延期", actor=user("leader"))
    evaluations.evaluate(evaluation, "failed", opinion="未按计划开展活动，经费使用不规范", actor=user("council"))
    db.session.commit()
    grant = _fresh(grant)
    assert grant.payments_stopped
    assert [t.state for t in grant.tranches] == [TrancheState.paid, TrancheState.stopped, TrancheState.stopped]
    for seq in (2, 3):
        with pytest.raises(errors.PaymentsStopped):
            pay(grant, seq)
        db.session.rollback()
    with pytest.raises(IllegalTransition):  # no new evaluation either
        evaluations.submit_evaluation(grant, self_evaluation="再评一次", actor=user("leader"))
    db.session.rollback()
    assert _fresh(grant).disbursed_fen == 1_500_00
    [public] = evaluations.published_evaluations(community(ctx))
    assert public.title == grant.application.title and "经费使用不规范" in public.opinion
    assert not public.terminated


def test_termination_returns_the_unspent_money_by_a_posting(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    claim = claims.submit_claim(grant, budget_line_id=grant.application.budget_lines[0].id, description="绘本",
                                amount_fen=400_00, spent_on=local_today(), receipts=[(png_bytes(), "票据.png")],
                                actor=user("leader"))
    claims.decide_claim(claim, approve=True, idempotency_key="claim-1", actor=user("admin"))
    evaluation = evaluations.submit_evaluation(grant, self_evaluation="活动延期", actor=user("leader"))
    evaluations.evaluate(evaluation, "failed", opinion="未按计划开展活动", actor=user("council"))
    db.session.commit()
    bank = _balance(ctx, "1002")
    refund = closing.terminate(grant, reason="中期评估未通过", idempotency_key="term-1", actor=user("admin"))
    db.session.commit()
    grant = _fresh(grant)
    assert refund.amount_fen == 1_100_00 and grant.returned_fen == 1_100_00 and grant.advance_fen == 0
    assert grant.application.state == S.terminated and grant.project.state == ProjectState.cancelled
    assert _balance(ctx, "1002") == bank + 1_100_00 and _balance(ctx, "1221") == 0
    entry = _entries(grant)[-1]
    assert entry.reference_id == f"G{grant.id}-R1"
    assert {(line.account.code, line.amount_fen) for line in entry.lines} == {("1002", 1_100_00),
                                                                               ("1221", -1_100_00)}
    # The round keeps committed only what was spent.
    assert db.session.get(GrantRound, grant.application.round_id).committed_fen == 400_00
    assert evaluations.published_evaluations(community(ctx))[0].terminated
    with pytest.raises(IllegalTransition):
        closing.terminate(grant, reason="再次终止", idempotency_key="term-2", actor=user("admin"))
    db.session.rollback()
    _ledger_ok(ctx)


def test_termination_waits_for_pending_claims_and_needs_a_reason(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    claims.submit_claim(grant, budget_line_id=grant.application.budget_lines[0].id, description="绘本",
                        amount_fen=100_00, spent_on=local_today(), receipts=[(png_bytes(), "票据.png")],
                        actor=user("leader"))
    db.session.commit()
    with pytest.raises(ValidationFailed):
        closing.terminate(grant, reason=" ", actor=user("admin"))
    with pytest.raises(errors.ClaimsPending):
        closing.terminate(grant, reason="违约", actor=user("admin"))
    db.session.rollback()
    assert _fresh(grant).application.state == S.active


def test_terminating_before_any_payment_posts_nothing_and_frees_the_round(ctx):
    grant = awarded_grant(ctx)
    assert closing.terminate(grant, reason="团队解散", actor=user("admin")) is None
    db.session.commit()
    assert _entries(grant) == []
    assert db.session.get(GrantRound, grant.application.round_id).committed_fen == 0


# -- expense claims ---------------------------------------------------------------------

def _claim(grant, amount_fen=500_00, **kw):
    return claims.submit_claim(grant, budget_line_id=grant.application.budget_lines[0].id,
                               description=kw.get("description", "活动物资"), amount_fen=amount_fen,
                               spent_on=local_today(), receipts=kw.get("receipts", [(png_bytes(), "发票.png")]),
                               actor=user(kw.get("actor", "leader")))


def test_an_approved_claim_posts_dr_510101_cr_1221(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    claim = _claim(grant)
    assert claim.state == ClaimState.submitted and len(claim.receipts) == 1
    claims.decide_claim(claim, approve=True, idempotency_key="c-1", actor=user("admin"))
    db.session.commit()
    grant = _fresh(grant)
    assert grant.spent_fen == 500_00 and grant.advance_fen == 1_000_00
    entry = _entries(grant)[-1]
    assert entry.reference_type == "expense_claim" and entry.reference_id == f"G{grant.id}-C{claim.id}"
    assert entry.project == grant.project.title
    assert {(line.account.code, line.amount_fen) for line in entry.lines} == {("510101", 500_00),
                                                                               ("1221", -500_00)}
    [line] = claims.budget_against_actual(grant)
    assert (line.budget_fen, line.approved_fen, line.pending_fen, line.remaining_fen) == (
        3_000_00, 500_00, 0, 2_500_00)
    with pytest.raises(IllegalTransition):
        claims.decide_claim(claim, approve=False, note="重复", actor=user("admin"))
    _ledger_ok(ctx)


def test_a_claim_beyond_the_advance_is_refused(ctx):
    grant = awarded_grant(ctx)
    with pytest.raises(IllegalTransition):  # no money paid, grant not active
        _claim(grant, 100_00)
    db.session.rollback()
    pay(grant, 1)
    with pytest.raises(errors.ExceedsAdvance):
        _claim(grant, 1_500_01)
    db.session.rollback()
    first = _claim(grant, 1_000_00)
    db.session.commit()
    with pytest.raises(errors.ExceedsAdvance):  # with the first one pending
        _claim(grant, 600_00)
    db.session.rollback()
    # Test set-up: a second claim that slipped past the check; approval still refuses it.
    second = _claim(grant, 500_00)
    claims.decide_claim(first, approve=True, idempotency_key="c-a", actor=user("admin"))
    second.amount_fen = 600_00
    db.session.commit()
    with pytest.raises(errors.ExceedsAdvance):
        claims.decide_claim(second, approve=True, idempotency_key="c-b", actor=user("admin"))
    db.session.rollback()
    assert _fresh(grant).spent_fen == 1_000_00


def test_a_rejected_claim_needs_a_reason_and_posts_nothing(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    claim = _claim(grant)
    with pytest.raises(ValidationFailed):
        claims.decide_claim(claim, approve=False, note="", actor=user("admin"))
    claims.decide_claim(claim, approve=False, note="票据抬头不符", actor=user("admin"))
    db.session.commit()
    assert claim.state == ClaimState.rejected and claim.entry_id is None
    assert len(_entries(grant)) == 1
    with pytest.raises(IllegalTransition):
        claims.decide_claim(claim, approve=True, idempotency_key="c-x", actor=user("admin"))


def test_claims_need_receipts_the_leader_and_a_line_of_this_budget(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    with pytest.raises(ValidationFailed):
        _claim(grant, receipts=[])
    with pytest.raises(ValidationFailed):
        _claim(grant, receipts=[(b"not an image", "x.png")])
    with pytest.raises(NotTheLeader):
        _claim(grant, actor="admin")
    with pytest.raises(ValidationFailed):
        claims.submit_claim(grant, budget_line_id=999999, description="x", amount_fen=100, spent_on=local_today(),
                            receipts=[(png_bytes(), "a.png")], actor=user("leader"))


# -- final report -----------------------------------------------------------------------

def test_final_report_returned_then_accepted_closes_and_returns_the_rest(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    pass_midterm(grant)
    pay(grant, 2)
    claim = _claim(grant, 2_000_00)
    claims.decide_claim(claim, approve=True, idempotency_key="c-1", actor=user("admin"))
    activity = logged_activity(ctx, grant)
    report = closing.submit_final_report(grant, narrative="开展共读 6 期", outcomes="亲子关系改善", beneficiaries=72,
                                         activity_ids=[activity.id], actor=user("leader"))
    db.session.commit()
    assert grant.application.state == S.final_report_submitted
    with pytest.raises(ValidationFailed):
        closing.return_final_report(report, opinion="", actor=user("council"))
    closing.return_final_report(report, opinion="请补充受益人名单", actor=user("council"))
    db.session.commit()
    assert report.state == FinalReportState.returned and grant.application.state == S.active
    with pytest.raises(IllegalTransition):
        closing.accept_final_report(report, actor=user("council"))
    db.session.rollback()
    report = closing.submit_final_report(grant, narrative="开展共读 6 期，附名单", beneficiaries=72, actor=user("leader"))
    db.session.commit()
    bank = _balance(ctx, "1002")
    closing.accept_final_report(report, opinion="同意结项", idempotency_key="close-1", actor=user("council"))
    db.session.commit()
    grant = _fresh(grant)
    assert grant.application.state == S.closed and grant.project.state == ProjectState.completed
    assert grant.returned_fen == 400_00 and grant.advance_fen == 0
    assert grant.tranches[2].state == TrancheState.stopped
    assert _balance(ctx, "1002") == bank + 400_00 and _balance(ctx, "1221") == 0
    assert db.session.get(GrantRound, grant.application.round_id).committed_fen == 2_000_00
    with pytest.raises(IllegalTransition):
        closing.return_final_report(report, opinion="再改", actor=user("council"))
    _ledger_ok(ctx)


def test_close_waits_for_pending_claims(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    _claim(grant, 100_00)
    report = closing.submit_final_report(grant, narrative="完成", actor=user("leader"))
    db.session.commit()
    with pytest.raises(errors.ClaimsPending):
        closing.accept_final_report(report, actor=user("council"))
    db.session.rollback()
    assert _fresh(grant).application.state == S.final_report_submitted


def test_final_report_only_by_the_leader_of_an_active_grant(ctx):
    grant = awarded_grant(ctx)
    with pytest.raises(IllegalTransition):
        closing.submit_final_report(grant, narrative="完成", actor=user("leader"))
    db.session.rollback()
    pay(grant, 1)
    with pytest.raises(NotTheLeader):
        closing.submit_final_report(grant, narrative="完成", actor=user("council"))
    report = closing.submit_final_report(grant, narrative="完成", actor=user("leader"))
    for who in ("admin", "leader", "auditor"):
        with pytest.raises(errors.NotAnEvaluator):
            closing.accept_final_report(report, actor=user(who))


def test_statement_data_reconciles(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    claim = _claim(grant, 300_00)
    claims.decide_claim(claim, approve=True, idempotency_key="c-1", actor=user("admin"))
    db.session.commit()
    data = documents.statement_data(_fresh(grant))
    assert data.disbursed_fen == sum(t[2] for t in data.tranches if t[3] == "paid")
    assert data.spent_fen == sum(c[3] for c in data.claims if c[4] == "approved")
    assert data.advance_fen == data.disbursed_fen - data.spent_fen - data.returned_fen == 1_200_00
    assert data.tranches[0][5] is not None and data.claims[0][5] is not None


def test_a_gated_tranche_cannot_be_paid_before_the_evaluation_that_released_it(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    evaluation = pass_midterm(_fresh(grant))
    # Test set-up: the council passed the evaluation two days ago.
    evaluation.evaluated_at = evaluation.evaluated_at - timedelta(days=2)
    db.session.commit()
    second = next(t for t in _fresh(grant).tranches if t.seq == 2)
    before = (_fresh(grant).disbursed_fen, len(_entries(grant)))
    with pytest.raises(ValidationFailed) as refused:
        tranches.pay_tranche(second, paid_on=local_today() - timedelta(days=3), method="bank",
                             idempotency_key="early", actor=user("admin"))
    assert (local_today() - timedelta(days=2)).isoformat() in str(refused.value.message)
    db.session.rollback()
    assert (_fresh(grant).disbursed_fen, len(_entries(grant))) == before
    tranches.pay_tranche(second, paid_on=local_today() - timedelta(days=2), method="bank",
                         idempotency_key="on-the-day", actor=user("admin"))
    db.session.commit()
    assert _fresh(grant).tranches[1].state == TrancheState.paid


def test_activities_before_the_agreement_are_earlier_work_not_delivery(ctx):
    grant = awarded_grant(ctx)  # signed ten days ago
    pay(grant, 1)
    before = logged_activity(ctx, grant, title="签约前的试点活动", days_ago=12)
    after = logged_activity(ctx, grant, title="签约后的第一期", days_ago=3)
    for activity in (before, after):
        projects.transition_activity(activity, "verify", actor=user("admin"))
    db.session.commit()
    grant = _fresh(grant)
    assert [a.id for a in evaluations.citable_activities(grant)] == [after.id]
    with pytest.raises(ValidationFailed):
        evaluations.submit_evaluation(grant, self_evaluation="引用签约前的活动", activity_ids=[before.id],
                                      actor=user("leader"))
    db.session.rollback()
    data = documents.statement_data(_fresh(grant))
    assert [row[1] for row in data.activities] == ["签约后的第一期"]
    assert [row[1] for row in data.earlier_activities] == ["签约前的试点活动"]


def test_the_fund_statement_shows_a_tranche_as_cash_out_and_a_claim_as_settled(ctx):
    grant = awarded_grant(ctx)
    pay(grant, 1)
    claim = _claim(grant, 300_00)
    claims.decide_claim(claim, approve=True, idempotency_key="c-1", actor=user("admin"))
    db.session.commit()
    today = local_today()
    data = build_statement(community(ctx), today.replace(month=1, day=1), today.replace(month=12, day=31),
                           generated_by="测试")
    tranche = next(row for row in data.entries if row[5] == 1_500_00)
    settled = next(row for row in data.entries if row[6])
    assert (tranche[4], tranche[6]) == (0, 0)
    assert (settled[4], settled[5], settled[6]) == (0, 0, 300_00)
    assert settled[7] == tranche[7]  # a claim moves no cash
    # Money held is cash and bank only; what the team holds is shown apart.
    assert data.closing_fen == data.opening_fen + data.cash_in_fen - data.cash_out_fen
    assert data.advances_end_fen - data.advances_start_fen == 1_500_00 - 300_00 == _fresh(grant).advance_fen
