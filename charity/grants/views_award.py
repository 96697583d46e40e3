"""Agreement, award, tranches, mid-term evaluation, expense claims and final report
(steps 5–7): routes on the ``grants`` blueprint, all under ``/grants/awarded``.

Staff (admin) award, record the signed agreement, pay tranches, decide claims and
terminate; council members evaluate and decide final reports; a team's leader sees and
acts for their own team's grants only (another team's grant is 404); auditors read.
"""

from functools import partial
from urllib.parse import quote

import sqlalchemy as sa
from flask import Response, abort, current_app, g, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from charity import transaction
from charity.accounts.access import get_scoped_or_404, requires, scoped
from charity.accounts.forms import choices
from charity.accounts.models import Community
from charity.extensions import db
from charity.fund.api import chart
from charity.grants import agreements, bp, claims, closing, documents, evaluations, tranches
from charity.grants.forms_award import (
    AwardForm,
    ClaimDecisionForm,
    ClaimForm,
    EvaluateForm,
    EvaluationForm,
    PayForm,
    ReportDecisionForm,
    ReportForm,
    SignForm,
    TerminateForm,
)
from charity.grants.models import Application, ApplicationState
from charity.grants.models_award import (
    ExpenseClaim,
    ExpenseReceipt,
    FinalReport,
    Grant,
    MidtermEvaluation,
    Tranche,
)
from charity.grants.pdf_award import render_agreement, render_grant_statement
from charity.grants.public import bp as public_bp
from charity.grants.workflow import STATE_NAMES
from charity.models_base import local_today, local_zone, utcnow
from charity.pagination import paginate
from charity.projects import uploads
from charity.teams.access import my_led_team_ids
from charity.web import submit

READERS = ("admin", "council", "auditor", "leader")
STAFF_READERS = ("admin", "council", "auditor")


def _user():
    return current_user._get_current_object()


def _may_read(grant):
    return bool(g.roles & {"admin", "council", "auditor"}) or grant.application.team_id in my_led_team_ids()


def _grant_or_404(grant_id):
    grant = get_scoped_or_404(Grant, grant_id)
    if not _may_read(grant):
        abort(404)
    return grant


def _child_or_404(model, ident):
    """A tranche, evaluation, claim or report of a grant of this community (else 404)."""
    row = db.session.scalar(sa.select(model).join(Grant, Grant.id == model.grant_id)
                            .where(model.id == ident, Grant.community_id == g.community.id))
    if row is None or not _may_read(row.grant):
        abort(404)
    return row


def _form_page(form, *, title, grant, back, status=200, submit=None, template="grants/award/form.html",
               **extra):
    return render_template(template, form=form, title=title, grant=grant, back=back,
                           submit_label=submit or _("Save"), **extra), status


def _run(form, action, *, success, **page):
    """The shared form helper, with this module's form page."""
    return submit(form, action, success=success,
                  render=lambda status: _form_page(form, status=status, **page))


def _pdf(data, name):
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}"})


# -- lists and the grant page ---------------------------------------------------------------

@bp.route("/awarded")
@requires(*READERS)
def award_list():
    stmt = scoped(Grant).join(Application, Application.id == Grant.application_id)
    if not g.roles & {"admin", "council", "auditor"}:
        stmt = stmt.where(Application.team_id.in_(my_led_team_ids() or {-1}))
    page = paginate(stmt.order_by(Grant.awarded_at.desc(), Grant.id.desc()))
    ready = []
    if "admin" in g.roles:
        ready = [a for a in db.session.scalars(
            scoped(Application).where(Application.state == ApplicationState.public_notice)
            .order_by(Application.notice_ends_on, Application.id))]
    return render_template("grants/award/list.html", page=page, ready=ready, today=local_today(),
                           state_names=STATE_NAMES, failed=evaluations.published_evaluations(g.community))


@bp.route("/awarded/<id:grant_id>")
@requires(*READERS)
def award_detail(grant_id):
    grant = _grant_or_404(grant_id)
    leads = grant.application.team_id in my_led_team_ids()
    return render_template(
        "grants/award/detail.html", grant=grant, app_=grant.application, state_names=STATE_NAMES,
        tranche_state_names=tranches.TRANCHE_STATE_NAMES, payable_problem=tranches.payable_problem,
        evaluation_state_names=evaluations.EVALUATION_STATE_NAMES, claim_state_names=claims.CLAIM_STATE_NAMES,
        report_state_names=closing.REPORT_STATE_NAMES,
        leads=leads, evaluations=evaluations.evaluations_of(grant), claims=claims.claims_of(grant),
        reports=closing.reports_of(grant), refunds=closing.refunds_of(grant),
        lines=claims.budget_against_actual(grant),
        gated=evaluations.gated_tranche(grant), open_evaluation=evaluations.open_evaluation(grant),
        pending_fen=claims.pending_claims_fen(grant), chart=chart)


@bp.route("/awarded/<id:grant_id>/agreement.pdf")
@requires(*READERS)
def award_agreement_pdf(grant_id):
    grant = _grant_or_404(grant_id)
    # A contract both sides sign: always in Chinese, whatever the language of the screen.
    with force_locale("zh"):
        pdf = render_agreement(documents.agreement_data(grant), generated_by=current_user.display_name,
                               generated_at=utcnow())
    return _pdf(pdf, f"agreement-{grant.agreement_no}.pdf")


@bp.route("/awarded/<id:grant_id>/statement.pdf")
@requires(*READERS)
def award_statement_pdf(grant_id):
    grant = _grant_or_404(grant_id)
    pdf = render_grant_statement(documents.statement_data(grant), generated_by=current_user.display_name,
                                 generated_at=utcnow())
    return _pdf(pdf, f"grant-statement-{grant.agreement_no}.pdf")


# -- step 5: award, agreement, tranches --------------------------------------------------

@bp.route("/applications/<id:application_id>/award", methods=["GET", "POST"])
@requires("admin")
def award_new(application_id):
    application = get_scoped_or_404(Application, application_id)
    form = AwardForm()
    existing = {p.id: p for p in agreements.fundable_projects(application)}
    form.project_id.choices = [(0, _("A new project: %(title)s", title=application.title))] + [
        (p.id, _("The team's project: %(title)s", title=p.title)) for p in existing.values()]

    made = {}

    def action(f):
        made["grant"] = agreements.award(application, tranche_percents=f.percents,
                                         expected_activities=f.expected_activities.data,
                                         project=existing.get(f.project_id.data), actor=_user())
        return _("Grant awarded: agreement %(no)s. Print it, have it signed, then record the signatures.",
                 no=made["grant"].agreement_no)

    return _run(form, action, success=lambda: url_for("grants.award_detail", grant_id=made["grant"].id),
                title=_("Award: %(title)s", title=application.title), grant=None, application=application,
                back=url_for("grants.award_list"), submit=_("Award the grant"))


@bp.route("/awarded/<id:grant_id>/sign", methods=["GET", "POST"])
@requires("admin")
def award_sign(grant_id):
    grant = _grant_or_404(grant_id)
    form = SignForm()
    back = url_for("grants.award_detail", grant_id=grant.id)

    def action(f):
        agreements.record_agreement_signed(grant, signed_on=f.signed_on.data,
                                           team_signatory=f.team_signatory.data,
                                           centre_signatory=f.centre_signatory.data, actor=_user())
        return _("The agreement is recorded as signed.")

    return _run(form, action, success=back, title=_("Record the signed agreement"), grant=grant, back=back)


@bp.route("/awarded/tranches/<id:tranche_id>/pay", methods=["GET", "POST"])
@requires("admin")
def award_pay(tranche_id):
    tranche = _child_or_404(Tranche, tranche_id)
    grant = tranche.grant
    form = PayForm()
    back = url_for("grants.award_detail", grant_id=grant.id)

    def action(f):
        tranches.pay_tranche(tranche, paid_on=f.paid_on.data, method=f.method.data,
                             idempotency_key=f.idempotency_key.data, actor=_user())
        return _("Tranche %(seq)s paid and posted to the fund's ledger.", seq=tranche.seq)

    problem = tranches.payable_problem(tranche) if request.method == "GET" else None
    return _run(form, action, success=back, grant=grant, back=back, submit=_("Pay and post"),
                title=_("Pay tranche %(seq)s", seq=tranche.seq), tranche=tranche, problem=problem)


@bp.route("/awarded/<id:grant_id>/terminate", methods=["GET", "POST"])
@requires("admin")
def award_terminate(grant_id):
    grant = _grant_or_404(grant_id)
    form = TerminateForm()
    back = url_for("grants.award_detail", grant_id=grant.id)

    def action(f):
        refund = closing.terminate(grant, reason=f.reason.data, returned_on=f.returned_on.data,
                                   method=f.method.data, idempotency_key=f.idempotency_key.data,
                                   actor=_user())
        if refund is None:
            return _("Grant terminated.")
        return _("Grant terminated; %(amount)s not spent returned to the fund.",
                 amount=f"¥{refund.amount_fen / 100:,.2f}")

    return _run(form, action, success=back, grant=grant, back=back, submit=_("Terminate the grant"),
                title=_("Terminate the grant"))


# -- step 6: mid-term evaluation -----------------------------------------------------------

def _activity_choices(grant):
    zone = local_zone()
    return choices((a.id, f"{a.starts_at.astimezone(zone).date().isoformat()} {a.title}")
                   for a in evaluations.citable_activities(grant))


def _check_leads(grant):
    if grant.application.team_id not in my_led_team_ids():
        abort(403)


@bp.route("/awarded/<id:grant_id>/evaluation", methods=["GET", "POST"])
@requires("leader")
def award_evaluation_submit(grant_id):
    grant = _grant_or_404(grant_id)
    _check_leads(grant)
    form = EvaluationForm()
    form.activity_ids.choices = _activity_choices(grant)
    back = url_for("grants.award_detail", grant_id=grant.id)

    def action(f):
        evaluations.submit_evaluation(grant, self_evaluation=f.self_evaluation.data,
                                      activity_ids=f.activity_ids.data, actor=_user())
        return _("Self-evaluation submitted to the evaluators.")

    return _run(form, action, success=back, grant=grant, back=back, submit=_("Submit"),
                title=_("Mid-term self-evaluation"), open_evaluation=evaluations.open_evaluation(grant))


@bp.route("/awarded/evaluations/<id:evaluation_id>/evaluate", methods=["GET", "POST"])
@requires("council")
def award_evaluate(evaluation_id):
    evaluation = _child_or_404(MidtermEvaluation, evaluation_id)
    grant = evaluation.grant
    form = EvaluateForm()
    back = url_for("grants.award_detail", grant_id=grant.id)

    def action(f):
        evaluations.evaluate(evaluation, f.outcome.data, opinion=f.opinion.data, actor=_user())
        return _("Evaluation recorded.")

    return _run(form, action, success=back, grant=grant, back=back, submit=_("Record the result"),
                title=_("Mid-term evaluation"), template="grants/award/evaluate.html", evaluation=evaluation)


# -- step 7: claims -------------------------------------------------------------------------

@bp.route("/awarded/<id:grant_id>/claims/new", methods=["GET", "POST"])
@requires("leader")
def award_claim_new(grant_id):
    grant = _grant_or_404(grant_id)
    _check_leads(grant)
    form = ClaimForm()
    form.budget_line_id.choices = choices((b.id, b.item) for b in grant.application.budget_lines)
    back = url_for("grants.award_detail", grant_id=grant.id)
    page = {"grant": grant, "back": back, "submit": _("Submit the claim"), "title": _("New expense claim"),
            "multipart": True}

    def action(form):
        limit = current_app.config["UPLOAD_MAX_BYTES"]
        receipts = [(f.stream.read(limit + 1), f.filename) for f in form.receipts.data if f.filename]
        claim = claims.submit_claim(grant, budget_line_id=form.budget_line_id.data,
                                    description=form.description.data, amount_fen=form.amount.fen,
                                    spent_on=form.spent_on.data, receipts=receipts,
                                    actor=_user())
        for receipt in claim.receipts:  # a claim that is not saved keeps no files
            transaction.on_rollback(partial(uploads.remove, receipt.stored_name))
        return _("Expense claim submitted.")

    return _run(form, action, success=back, **page)


@bp.route("/awarded/claims/<id:claim_id>", methods=["GET", "POST"])
@requires(*READERS)
def award_claim(claim_id):
    claim = _child_or_404(ExpenseClaim, claim_id)
    grant = claim.grant
    form = ClaimDecisionForm()
    back = url_for("grants.award_detail", grant_id=grant.id)
    if request.method == "POST" and "admin" not in g.roles:
        abort(403)

    def action(f):
        claims.decide_claim(claim, approve=f.decision.data == "approve", note=f.note.data,
                            idempotency_key=f.idempotency_key.data, actor=_user())
        return _("Claim approved and posted.") if f.decision.data == "approve" else _("Claim rejected.")

    return _run(form, action, success=back, grant=grant, back=back, submit=_("Decide"),
                title=_("Expense claim"), template="grants/award/claim.html", claim=claim,
                aw_names=claims.CLAIM_STATE_NAMES)


@bp.route("/awarded/receipts/<id:receipt_id>")
@requires(*READERS)
def award_receipt(receipt_id):
    receipt = db.session.scalar(
        sa.select(ExpenseReceipt).join(ExpenseClaim, ExpenseClaim.id == ExpenseReceipt.claim_id)
        .join(Grant, Grant.id == ExpenseClaim.grant_id)
        .where(ExpenseReceipt.id == receipt_id, Grant.community_id == g.community.id))
    if receipt is None or not _may_read(receipt.claim.grant):
        abort(404)
    return uploads.send_stored(receipt.stored_name, receipt.content_type, receipt.original_name)


# -- step 7: final report --------------------------------------------------------------------

@bp.route("/awarded/<id:grant_id>/report", methods=["GET", "POST"])
@requires("leader")
def award_report_submit(grant_id):
    grant = _grant_or_404(grant_id)
    _check_leads(grant)
    form = ReportForm()
    form.activity_ids.choices = _activity_choices(grant)
    back = url_for("grants.award_detail", grant_id=grant.id)

    def action(f):
        closing.submit_final_report(grant, narrative=f.narrative.data, outcomes=f.outcomes.data,
                                    beneficiaries=f.beneficiaries.data, activity_ids=f.activity_ids.data,
                                    actor=_user())
        return _("Final report submitted to the council.")

    return _run(form, action, success=back, grant=grant, back=back, submit=_("Submit"),
                title=_("Final report"))


@bp.route("/awarded/reports/<id:report_id>", methods=["GET", "POST"])
@requires(*READERS)
def award_report(report_id):
    report = _child_or_404(FinalReport, report_id)
    grant = report.grant
    form = ReportDecisionForm()
    back = url_for("grants.award_detail", grant_id=grant.id)
    if request.method == "POST" and "council" not in g.roles:
        abort(403)

    def action(f):
        if f.decision.data == "return":
            closing.return_final_report(report, opinion=f.opinion.data, actor=_user())
            return _("Report returned to the team.")
        closing.accept_final_report(report, opinion=f.opinion.data, returned_on=f.returned_on.data,
                                    method=f.method.data, idempotency_key=f.idempotency_key.data,
                                    actor=_user())
        return _("Report accepted: the grant is closed.")

    return _run(form, action, success=back, grant=grant, back=back, submit=_("Record the decision"),
                title=_("Final report"), template="grants/award/report.html", report=report,
                aw_names=closing.REPORT_STATE_NAMES)


# -- public: failed mid-term evaluations -----------------------------------------------------

@public_bp.route("/<slug>/grants/evaluations")
def award_evaluations(slug):
    """Failed mid-term evaluations, published with no sign-in (team, project, amounts,
    the evaluators' opinion; nothing personal)."""
    community = db.session.scalar(sa.select(Community).where(Community.slug == slug))
    if community is None:
        abort(404)
    return render_template("grants/award/public_evaluations.html", community=community,
                           results=evaluations.published_evaluations(community))
