"""Who may reach the pages after the award: staff (admin) award, record the signed
agreement, pay, decide claims and terminate; council members evaluate and decide final
reports; the team's leader files the self-evaluation, claims and the final report;
council, staff, auditors and the team's leader read the grant, its PDFs and receipts.
Another community's grant and everything under it is 404."""

import sqlalchemy as sa

from tests.access_rules import EVERYONE, MISSING, OK, UNPROCESSABLE, rule

READERS = {"admin", "council", "auditor", "leader"}

MATRIX = {
    ("grants.award_list", "GET"): rule(allowed=READERS),
    ("grants.award_detail", "GET"): rule(allowed=READERS, other=MISSING),
    ("grants.award_agreement_pdf", "GET"): rule(allowed=READERS, other=MISSING),
    ("grants.award_statement_pdf", "GET"): rule(allowed=READERS, other=MISSING),
    ("grants.award_new", "GET"): rule(allowed={"admin"}, other=MISSING),
    ("grants.award_new", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("grants.award_sign", "GET"): rule(allowed={"admin"}, other=MISSING),
    ("grants.award_sign", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("grants.award_pay", "GET"): rule(allowed={"admin"}, other=MISSING),
    ("grants.award_pay", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("grants.award_terminate", "GET"): rule(allowed={"admin"}, other=MISSING),
    ("grants.award_terminate", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    # Leader-only and council-only pages: another community's admin holds neither role (403).
    ("grants.award_evaluation_submit", "GET"): rule(allowed={"leader"}),
    ("grants.award_evaluation_submit", "POST"): rule(allowed={"leader"}, ok=UNPROCESSABLE),
    ("grants.award_evaluate", "GET"): rule(allowed={"council"}),
    ("grants.award_evaluate", "POST"): rule(allowed={"council"}, ok=UNPROCESSABLE),
    ("grants.award_claim_new", "GET"): rule(allowed={"leader"}),
    ("grants.award_claim_new", "POST"): rule(allowed={"leader"}, ok=UNPROCESSABLE),
    ("grants.award_claim", "GET"): rule(allowed=READERS, other=MISSING),
    ("grants.award_claim", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("grants.award_receipt", "GET"): rule(allowed=READERS, other=MISSING),
    ("grants.award_report_submit", "GET"): rule(allowed={"leader"}),
    ("grants.award_report_submit", "POST"): rule(allowed={"leader"}, ok=UNPROCESSABLE),
    ("grants.award_report", "GET"): rule(allowed=READERS, other=MISSING),
    ("grants.award_report", "POST"): rule(allowed={"council"}, ok=UNPROCESSABLE, other=MISSING),
    # Failed mid-term evaluations are published: no sign-in.
    ("grants_public.award_evaluations", "GET"): rule(anonymous=OK, allowed=EVERYONE, other=OK),
}


def _scenario(app, world):
    """A grant of A's team led by the world's leader: awarded, signed, first tranche paid,
    a claim with a receipt waiting, a self-evaluation with the evaluators and a final
    report with the council. Built once per world."""
    from charity.extensions import db
    from charity.grants import agreements, claims, closing, evaluations
    from charity.grants.models_award import (
        ExpenseClaim,
        ExpenseReceipt,
        FinalReport,
        Grant,
        MidtermEvaluation,
    )
    from charity.models_base import local_today
    from charity.teams.models import Team
    from tests import grants_helpers as h
    from tests.access_grants import _scenario as pre_award
    from tests.access_teams import build_scenario, png_bytes
    from tests.grants_award_helpers import noticed_application, pay, put_money

    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).where(Grant.community_id == world.a))
        if grant is None:
            pre_award(app, world)
            teams = build_scenario(app, world)
            rnd = h.make_round(world, extra_council=0, name="2026年微创投（第二批）")
            put_money(world)
            application = noticed_application(world, rnd=rnd, team=db.session.get(Team, teams.team_a),
                                              title="楼栋微花园")
            grant = agreements.award(application, actor=h.user("admin"))
            agreements.record_agreement_signed(grant, signed_on=local_today(), team_signatory="王队长",
                                               centre_signatory="李主任", actor=h.user("admin"))
            db.session.commit()
            pay(grant, 1)
            claims.submit_claim(grant, budget_line_id=application.budget_lines[0].id, description="花苗",
                                amount_fen=100_00, spent_on=local_today(), receipts=[(png_bytes(), "发票.png")],
                                actor=h.user("leader"))
            evaluations.submit_evaluation(grant, self_evaluation="按计划推进", actor=h.user("leader"))
            closing.submit_final_report(grant, narrative="完成", actor=h.user("leader"))
            db.session.commit()
        first = lambda model: db.session.scalar(sa.select(sa.func.min(model.id)))  # noqa: E731
        return {
            "grant_id": grant.id,
            "tranche_id": next(t.id for t in grant.tranches if t.seq == 2),
            "evaluation_id": first(MidtermEvaluation),
            "claim_id": first(ExpenseClaim),
            "receipt_id": first(ExpenseReceipt),
            "report_id": first(FinalReport),
        }


def _sample(name):
    return lambda app, world: _scenario(app, world)[name]


# application_id comes from access_grants (an application of A in review).
SAMPLES = {name: _sample(name) for name in ("grant_id", "tranche_id", "evaluation_id", "claim_id",
                                              "receipt_id", "report_id")}
