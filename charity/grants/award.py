"""After the award (steps 5–7): the funding agreement, the award itself, tranches,
mid-term evaluations, expense claims, the final report, termination, and the plain data
of the agreement and the grant statement PDFs. The money rules are in
:mod:`charity.grants.models` ("Money design"). Services flush, never commit; on an error
the caller rolls back (a refused step may have flushed part of its work).

Public functions (keyword arguments after ``*``)
-------------------------------------------------
``award(application, *, tranche_percents=(50, 30, 20), expected_activities=0, actor)``
    public_notice → awarded (through :func:`workflow.transition`, which refuses while the
    notice runs or an objection is pending). Creates the :class:`Grant` (agreement number,
    awarded = approved amount), the tranche plan (the percentages, whole and summing to
    100; amounts in fen, the remainder on the last tranche; every tranche after the first
    waits for a passed mid-term evaluation) and the team's project (claimed by the team).
``record_agreement_signed(grant, *, signed_on, team_signatory, centre_signatory, actor)``
    Records the agreement signed by both sides; no money moves before.
``pay_tranche(tranche, *, paid_on, method, idempotency_key, actor)``
    Dr 1221 / Cr bank or cash. Refused: agreement unsigned, tranche not next or not
    planned, payments stopped, no passed evaluation for a gated tranche, more than the
    award (conditional UPDATE), more than the fund holds (post_entry). The first payment
    starts the grant (awarded → active) and the project.
``submit_evaluation(grant, *, self_evaluation, activity_ids=(), actor)``
    The team's leader asks for the next gated tranche (or resubmits after a request for
    more material).
``evaluate(evaluation, outcome, *, opinion, actor)``
    A council member records ``passed`` / ``failed`` / ``more_material``. A fail stops
    every later tranche and publishes the result (:func:`published_evaluations`).
``submit_claim(grant, *, budget_line_id, description, amount_fen, spent_on, receipts, actor)``
    The leader's expense claim with receipts (``[(bytes, filename), …]``).
``decide_claim(claim, *, approve, note="", idempotency_key, actor)``
    Staff approve (Dr 510101 / Cr 1221, never more than the advance unspent) or reject.
``submit_final_report(grant, *, narrative, outcomes, beneficiaries, activity_ids=(), actor)``
    active → final_report_submitted.
``return_final_report(report, *, opinion, actor)``
    final_report_submitted → active; the team may submit a new report.
``accept_final_report(report, *, opinion, returned_on, method, idempotency_key, actor)``
    final_report_submitted → closed; later tranches stop and the unspent advance returns to
    the fund (Dr bank / Cr 1221).
``terminate(grant, *, reason, returned_on, method, idempotency_key, actor)``
    awarded | active | final_report_submitted → terminated; same return of the unspent
    advance; the project is cancelled.
``published_evaluations(community)``
    Failed mid-term evaluations to show on the public notice page (plain data).
``agreement_data(grant)``, ``statement_data(grant)``, ``budget_against_actual(grant)``
    Plain data for the PDFs and pages.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity import signals
from charity.accounts.models import Community, Role
from charity.audit import labels
from charity.audit.services import record
from charity.dbutil import lock_row
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.fund import api as fund
from charity.fund.api import PaymentMethod, ReferenceType, chart
from charity.grants import workflow
from charity.grants.errors import (  # noqa: F401  (callers use the names here too)
    AgreementUnsigned,
    AlreadySigned,
    ClaimsPending,
    EvaluationRequired,
    ExceedsAdvance,
    ExceedsAward,
    GrantError,
    IllegalTransition,
    NotAnEvaluator,
    NotTheLeader,
    PaymentsStopped,
    PlanInvalid,
    Recused,
    TrancheNotPayable,
)
from charity.grants.models import (
    Application,
    ApplicationState,
    BudgetLine,
    ClaimState,
    ConflictDeclaration,
    ConflictKind,
    EvaluationState,
    ExpenseClaim,
    ExpenseReceipt,
    FinalReport,
    FinalReportState,
    Grant,
    GrantRefund,
    MidtermEvaluation,
    Tranche,
    TrancheState,
)
from charity.models_base import local_today, utcnow
from charity.projects import services as projects
from charity.projects import uploads
from charity.projects.models import Activity, ActivityState, Evidence, Project, ProjectState
from charity.statemachine import Workflow
from charity.teams.services import actor_id, led_team_ids

S = ApplicationState

#: The usual plan: half at the start, 30 % after the mid-term evaluation, 20 % after the second.
DEFAULT_PLAN = (50, 30, 20)
MAX_TRANCHES = 6
#: States of a grant in which money may still move to the team.
PAYABLE = frozenset({S.awarded, S.active})
#: Activities a team may cite in its evaluation or final report.
CITABLE = (ActivityState.submitted, ActivityState.verified)


TRANCHE_STATE_NAMES = {
    TrancheState.planned: _l("planned"),
    TrancheState.paid: _l("paid"),
    TrancheState.stopped: _l("stopped"),
}
EVALUATION_STATE_NAMES = {
    EvaluationState.submitted: _l("with the evaluators"),
    EvaluationState.more_material: _l("more material asked"),
    EvaluationState.passed: _l("passed"),
    EvaluationState.failed: _l("failed"),
}
CLAIM_STATE_NAMES = {
    ClaimState.submitted: _l("waiting"),
    ClaimState.approved: _l("approved"),
    ClaimState.rejected: _l("rejected"),
}
REPORT_STATE_NAMES = {
    FinalReportState.submitted: _l("with the council"),
    FinalReportState.returned: _l("returned"),
    FinalReportState.accepted: _l("accepted"),
}


# -- errors -----------------------------------------------------------------------------


# -- helpers ----------------------------------------------------------------------------

def _community(obj):
    return db.session.get(Community, obj.community_id)


def _check_leader(grant, actor):
    application = grant.application
    if application.team_id not in led_team_ids(actor, _community(grant)):
        raise NotTheLeader()


def _check_council(grant, actor):
    """``actor`` holds the council role and declared no conflict on the application."""
    if actor is None or Role.council not in actor.roles_in(grant.community_id):
        raise NotAnEvaluator()
    conflict = db.session.scalar(sa.select(ConflictDeclaration).where(
        ConflictDeclaration.application_id == grant.application_id,
        ConflictDeclaration.user_id == actor.id, ConflictDeclaration.kind != ConflictKind.none))
    if conflict is not None:
        raise Recused()


def _text(value, limit, message):
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message)
    return value[:limit]


def _check_day(day, *, not_before=None):
    if not isinstance(day, date):
        raise ValidationFailed(_l("Give the date."))
    if day > local_today():
        raise ValidationFailed(_l("The date cannot be in the future."))
    if not_before is not None and day < not_before:
        raise ValidationFailed(_l("The date cannot be before %(day)s.", day=not_before.isoformat()))


def _grant_update(grant, condition, **values):
    """One conditional UPDATE of the grant's amounts; True when the row matched."""
    result = db.session.execute(
        sa.update(Grant).where(Grant.id == grant.id, condition).values(**values)
        .execution_options(synchronize_session=False))
    db.session.expire(grant)
    return result.rowcount == 1


def _project_label(grant):
    """What the ledger's "project" column shows for the grant's postings (100 characters)."""
    return grant.project.title[:100]


def _grant_snapshot(grant):
    return {"disbursed_fen": grant.disbursed_fen, "spent_fen": grant.spent_fen,
            "returned_fen": grant.returned_fen}


def grant_of(application):
    return application.grant


def plan_amounts(awarded_fen, percents):
    """Tranche amounts in fen: ``awarded × p / 100`` rounded down, the remainder on the
    last, so they sum to ``awarded_fen`` exactly.

    :raises PlanInvalid: not 1–6 whole positive percentages summing to 100, or a tranche
        that would be zero.
    """
    percents = list(percents or ())
    whole = all(isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in percents)
    if not 1 <= len(percents) <= MAX_TRANCHES or not whole or sum(percents) != 100:
        raise PlanInvalid(_l("The tranche plan takes 1 to 6 whole percentages that sum to 100."))
    amounts = [awarded_fen * p // 100 for p in percents[:-1]]
    amounts.append(awarded_fen - sum(amounts))
    if any(a <= 0 for a in amounts):
        raise PlanInvalid(_l("The amount awarded is too small for this many tranches."))
    return amounts


def agreement_number(community, year):
    """``DONGYI-2026-WCT-03``: the community's grants of the year, in order."""
    prefix = f"{community.slug.upper()}-{year}-WCT-"
    taken = db.session.scalar(sa.select(sa.func.count(Grant.id)).where(
        Grant.community_id == community.id, Grant.agreement_no.like(prefix + "%"))) or 0
    return f"{prefix}{taken + 1:02d}"


# -- step 5: award, agreement, tranches ---------------------------------------------------

def fundable_projects(application):
    """Projects the applying team has claimed or runs that no grant funds yet: an award
    may fund one of them instead of opening a new project."""
    funded = sa.select(Grant.project_id).where(Grant.project_id.is_not(None))
    return db.session.scalars(sa.select(Project).where(
        Project.community_id == application.community_id, Project.team_id == application.team_id,
        Project.state.in_((ProjectState.claimed, ProjectState.active)), Project.id.not_in(funded))
        .order_by(Project.id)).all()


def award(application, *, tranche_percents=DEFAULT_PLAN, expected_activities=0, project=None, actor):
    """Award an application in public notice: the grant, its tranche plan and the team's
    project. Returns the :class:`Grant`.

    The project is a new one under the application's title, claimed by the team, unless
    ``project`` names one of :func:`fundable_projects` (a project the team already runs,
    so its activities count for the grant).

    :raises NoticeNotOver: the public notice has not ended.
    :raises ObjectionPending: an objection is not resolved.
    :raises IllegalTransition: the application is not in public notice.
    :raises PlanInvalid: a bad tranche plan.
    :raises ValidationFailed: ``project`` is not one of the team's unfunded projects.
    """
    awarded = application.approved_fen or 0
    amounts = plan_amounts(awarded, tranche_percents)
    community = _community(application)
    # Serialises agreement numbers of the community (and with every other award).
    lock_row(Community, community.id)
    # After the lock: two awards cannot both take the same project.
    if project is not None and project not in fundable_projects(application):
        raise ValidationFailed(_l("Choose a project this team runs that no grant funds yet."))
    workflow.transition(application, "award", actor=actor)
    if project is None:
        project = projects.create_project(
            community, title=application.title, description=application.summary,
            target_groups=[g.value for g in application.group_list],
            expected_activities=max(0, int(expected_activities or 0)), actor=actor)
        projects.transition_project(project, "claim", team=application.team, actor=actor)
    grant = Grant(community_id=community.id, application_id=application.id, project_id=project.id,
                  agreement_no=agreement_number(community, local_today().year), awarded_fen=awarded,
                  awarded_by_id=actor_id(actor))
    db.session.add(grant)
    db.session.flush()
    for seq, (percent, amount) in enumerate(zip(tranche_percents, amounts, strict=True), start=1):
        db.session.add(Tranche(grant_id=grant.id, seq=seq, percent=percent, amount_fen=amount,
                               needs_evaluation=seq > 1))
    db.session.flush()
    record("grant.agreement.create", "grant", grant.id, community=community, actor=actor,
           label=grant.agreement_no,
           after={"awarded_fen": awarded, "plan": list(tranche_percents), "amounts": amounts,
                  "project": project.title})
    return grant


def record_agreement_signed(grant, *, signed_on, team_signatory, centre_signatory, actor):
    """Record the agreement as signed by the team and the service centre on ``signed_on``.

    :raises AlreadySigned: recorded before.
    :raises IllegalTransition: the grant is not awarded or active.
    :raises ValidationFailed: a missing signatory, a date in the future or before the award
        (the agreement is drawn up at the award).
    """
    lock_row(Grant, grant.id)
    db.session.refresh(grant)
    if grant.signed_on is not None:
        raise AlreadySigned()
    if grant.application.state not in PAYABLE:
        raise IllegalTransition(_l("Only an awarded grant's agreement is signed."))
    team_signatory = _text(team_signatory, 80, _l("Name who signed for the team."))
    centre_signatory = _text(centre_signatory, 80, _l("Name who signed for the service centre."))
    _check_day(signed_on, not_before=_local_day(grant.awarded_at))
    grant.signed_on = signed_on
    grant.team_signatory = team_signatory
    grant.community_signatory = centre_signatory
    grant.signed_recorded_by_id = actor_id(actor)
    db.session.flush()
    record("grant.agreement.signed", "grant", grant.id, community=_community(grant), actor=actor,
           label=grant.agreement_no,
           after={"signed_on": signed_on, "team_signatory": team_signatory,
                  "centre_signatory": centre_signatory})
    return grant


def next_tranche(grant):
    """The first tranche still planned, or None."""
    return next((t for t in grant.tranches if t.state == TrancheState.planned), None)


def passed_evaluation(grant, seq):
    return db.session.scalar(sa.select(MidtermEvaluation).where(
        MidtermEvaluation.grant_id == grant.id, MidtermEvaluation.tranche_seq == seq,
        MidtermEvaluation.state == EvaluationState.passed))


def payable_problem(tranche):
    """Why ``tranche`` cannot be paid now (an error instance), or None."""
    grant = tranche.grant
    if grant.application.state not in PAYABLE:
        return IllegalTransition(_l("Only an awarded or active grant is paid."))
    if grant.payments_stopped:
        return PaymentsStopped()
    if grant.signed_on is None:
        return AgreementUnsigned()
    if tranche.state != TrancheState.planned:
        return TrancheNotPayable(_l("This tranche is paid or stopped already."))
    if any(t.state != TrancheState.paid for t in grant.tranches if t.seq < tranche.seq):
        return TrancheNotPayable(_l("Pay the earlier tranches first."))
    if tranche.needs_evaluation and passed_evaluation(grant, tranche.seq) is None:
        return EvaluationRequired()
    return None


#: action -> (states it may start from, state it leads to). Stopping is done for all the
#: grant's planned tranches at once (:func:`_stop_planned`).
TRANCHE_TRANSITIONS = {
    "paid": ({TrancheState.planned}, TrancheState.paid),
    "stopped": ({TrancheState.planned}, TrancheState.stopped),
}
#: The events name the grant (``grant.tranche.paid`` on object ``grant``).
TRANCHE_FLOW = Workflow(Tranche, TRANCHE_TRANSITIONS, audit_prefix="grant.tranche", object_type="grant")


def pay_tranche(tranche, *, paid_on, method=PaymentMethod.bank, idempotency_key, actor):
    """Pay a planned tranche to the team: Dr 1221 grant advances, Cr bank (or cash).

    A retry with the same ``idempotency_key`` returns the tranche and posts nothing.

    :raises AgreementUnsigned, PaymentsStopped, EvaluationRequired, TrancheNotPayable:
        see :func:`payable_problem`.
    :raises ExceedsAward: the payments would exceed the award (checked by a conditional
        UPDATE, so also under concurrent requests).
    :raises charity.fund.errors.InsufficientFunds: the bank or cash box holds too little.
    :raises charity.fund.errors.PeriodClosed: ``paid_on`` is in a closed month.
    """
    grant = tranche.grant
    community = _community(grant)
    ledger = fund.posting(community)  # every posting of the community waits here
    existing = ledger.find(idempotency_key)
    if existing is not None:
        if tranche.entry_id != existing.id:
            db.session.refresh(tranche)
        return tranche
    db.session.refresh(grant)
    db.session.refresh(tranche)
    problem = payable_problem(tranche)
    if problem is not None:
        raise problem
    _check_day(paid_on, not_before=grant.signed_on)
    amount = tranche.amount_fen
    before = _grant_snapshot(grant)
    if not _grant_update(grant, sa.and_(Grant.disbursed_fen + amount <= Grant.awarded_fen,
                                        Grant.payments_stopped.is_(False), Grant.signed_on.is_not(None)),
                         disbursed_fen=Grant.disbursed_fen + amount):
        raise ExceedsAward()
    application = grant.application
    entry = ledger.post(
        value_date=paid_on, reference_type=ReferenceType.grant_tranche,
        reference_id=f"G{grant.id}-T{tranche.seq}", project=_project_label(grant),
        memo=str(_l("Micro-venture grant %(no)s, tranche %(seq)s: %(team)s",
                    no=grant.agreement_no, seq=tranche.seq, team=application.team.name)),
        lines=[fund.Line(chart.GRANT_ADVANCES, amount), fund.Line(chart.cash_account_for(method), -amount)],
        idempotency_key=idempotency_key, actor=actor)
    try:
        TRANCHE_FLOW.step(
            tranche, "paid", values={"paid_on": paid_on, "entry_id": entry.id, "paid_by_id": actor_id(actor)},
            object_id=grant.id, community=community, actor=actor, label=grant.agreement_no, before=before,
            after={**_grant_snapshot(grant), "tranche": tranche.seq, "amount_fen": amount,
                   "entry_seq": entry.seq})
    except IllegalTransition:
        raise TrancheNotPayable(_l("This tranche is paid or stopped already.")) from None
    if application.state == S.awarded:
        workflow.transition(application, "activate", actor=actor)
        signals.grant_moved.send(grant, action="activate", project=grant.project, actor=actor)
    return tranche


def _stop_planned(grant):
    """Every planned tranche will never be paid. Returns the sequence numbers stopped."""
    stopped = [t.seq for t in grant.tranches if t.state == TrancheState.planned]
    sources, target = TRANCHE_TRANSITIONS["stopped"]
    db.session.execute(sa.update(Tranche).where(Tranche.grant_id == grant.id, Tranche.state.in_(sources))
                       .values(state=target).execution_options(synchronize_session=False))
    for t in grant.tranches:
        db.session.expire(t)
    return stopped


# -- step 6: mid-term evaluation --------------------------------------------------------

#: action -> (states it may start from, state it leads to)
EVALUATION_TRANSITIONS = {
    "pass": ({EvaluationState.submitted}, EvaluationState.passed),
    "fail": ({EvaluationState.submitted}, EvaluationState.failed),
    "ask_more": ({EvaluationState.submitted}, EvaluationState.more_material),
    "resubmit": ({EvaluationState.more_material}, EvaluationState.submitted),
}
OUTCOME_ACTIONS = {EvaluationState.passed: "pass", EvaluationState.failed: "fail",
                   EvaluationState.more_material: "ask_more"}
#: The events name the grant (``grant.evaluation.<action>`` on object ``grant``).
EVALUATION_FLOW = Workflow(
    MidtermEvaluation, EVALUATION_TRANSITIONS, audit_prefix="grant.evaluation", object_type="grant",
    refused=lambda evaluation, action: _l(
        "This evaluation is decided already or waits for the evaluators."))


def _project_activities(grant, activity_ids):
    ids = {int(i) for i in activity_ids or ()}
    if not ids:
        return []
    rows = db.session.scalars(sa.select(Activity).where(
        Activity.id.in_(ids), Activity.project_id == grant.project_id, Activity.state.in_(CITABLE))).all()
    if len(rows) != len(ids):
        raise ValidationFailed(
            _l("Choose activities of this grant's project that were submitted or verified."))
    return rows


def citable_activities(grant):
    if grant.project_id is None:
        return []
    return db.session.scalars(sa.select(Activity).where(
        Activity.project_id == grant.project_id, Activity.state.in_(CITABLE))
        .order_by(Activity.starts_at)).all()


def evaluations_of(grant):
    return db.session.scalars(sa.select(MidtermEvaluation).where(MidtermEvaluation.grant_id == grant.id)
                              .order_by(MidtermEvaluation.id)).all()


def open_evaluation(grant):
    """The evaluation waiting for the evaluators or for more material, if any."""
    return db.session.scalar(sa.select(MidtermEvaluation).where(
        MidtermEvaluation.grant_id == grant.id,
        MidtermEvaluation.state.in_((EvaluationState.submitted, EvaluationState.more_material))))


def gated_tranche(grant):
    """The next planned tranche waiting for an evaluation that has not passed, or None."""
    tranche = next_tranche(grant)
    if tranche is None or not tranche.needs_evaluation or passed_evaluation(grant, tranche.seq):
        return None
    return tranche


def _evaluation_transition(evaluation, action, *, actor, opinion=None):
    EVALUATION_FLOW.check(evaluation, action)
    before = {"state": evaluation.state.value}
    target = EVALUATION_FLOW.target(action)
    return EVALUATION_FLOW.step(
        evaluation, action, values={} if opinion is None else {"opinion": opinion}, actor=actor,
        object_id=evaluation.grant_id, community=_community(evaluation.grant),
        label=evaluation.grant.agreement_no, before=before,
        after={"state": target.value, "tranche": evaluation.tranche_seq,
               **({"opinion": opinion} if opinion else {})})


def submit_evaluation(grant, *, self_evaluation, activity_ids=(), actor):
    """The team's self-evaluation for the next gated tranche, citing its activities; a
    resubmission when the evaluators asked for more material.

    :raises NotTheLeader: ``actor`` does not lead the team.
    :raises IllegalTransition: the grant is not active, no tranche waits for an
        evaluation, or one is already with the evaluators.
    :raises ValidationFailed: no text, or an activity not of this grant's project.
    """
    _check_leader(grant, actor)
    lock_row(Grant, grant.id)
    db.session.refresh(grant)
    if grant.application.state != S.active or grant.payments_stopped:
        raise IllegalTransition(_l("Only an active grant with payments going is evaluated."))
    text = _text(self_evaluation, 20000, _l("Write the self-evaluation."))
    activities = _project_activities(grant, activity_ids)
    current = open_evaluation(grant)
    if current is not None:
        if current.state != EvaluationState.more_material:
            raise IllegalTransition(_l("The evaluators have this evaluation already."))
        current.self_evaluation = text
        current.activities = activities
        current.submitted_at = utcnow()
        current.submitted_by_id = actor_id(actor)
        return _evaluation_transition(current, "resubmit", actor=actor)
    tranche = gated_tranche(grant)
    if tranche is None:
        raise IllegalTransition(_l("No tranche is waiting for a mid-term evaluation."))
    evaluation = MidtermEvaluation(grant_id=grant.id, tranche_seq=tranche.seq, self_evaluation=text,
                                   submitted_by_id=actor_id(actor), activities=activities)
    db.session.add(evaluation)
    db.session.flush()
    record("grant.evaluation.submit", "grant", grant.id, community=_community(grant), actor=actor,
           label=grant.agreement_no, after={"state": evaluation.state.value, "tranche": tranche.seq,
                                            "activities": [a.id for a in activities]})
    return evaluation


def evaluate(evaluation, outcome, *, opinion, actor):
    """A council member's result: ``passed`` releases the gated tranche for payment,
    ``more_material`` sends it back to the team, ``failed`` stops every later tranche
    and publishes the result (the grant may then be terminated with :func:`terminate`).

    :raises NotAnEvaluator: ``actor`` is not a council member.
    :raises Recused: ``actor`` declared a conflict on the application.
    :raises IllegalTransition: not waiting for a result, or an unknown outcome.
    :raises ValidationFailed: no opinion.
    """
    try:
        action = OUTCOME_ACTIONS[EvaluationState(outcome)]
    except (KeyError, ValueError):
        raise IllegalTransition() from None
    grant = evaluation.grant
    _check_council(grant, actor)
    opinion = _text(opinion, 20000, _l("Write the evaluators' opinion."))
    _evaluation_transition(evaluation, action, actor=actor, opinion=opinion)
    evaluation.evaluated_by_id = actor_id(actor)
    evaluation.evaluated_at = utcnow()
    if action == "fail":
        lock_row(Grant, grant.id)
        evaluation.published = True
        stopped = _stop_planned(grant)
        grant.payments_stopped = True
        db.session.flush()
        record("grant.payments_stopped", "grant", grant.id, community=_community(grant), actor=actor,
               label=grant.agreement_no, before={"payments_stopped": False},
               after={"payments_stopped": True, "stopped_tranches": stopped})
    db.session.flush()
    return evaluation


@dataclass
class PublishedEvaluation:
    """A failed mid-term evaluation as the public notice shows it: nothing personal."""

    agreement_no: str
    team: str
    title: str
    awarded_fen: int
    disbursed_fen: int
    evaluated_on: date | None
    opinion: str
    terminated: bool


def published_evaluations(community):
    """Failed (published) mid-term evaluations of ``community``, newest first."""
    from charity.models_base import local_zone

    rows = db.session.execute(
        sa.select(MidtermEvaluation, Grant, Application).join(Grant, MidtermEvaluation.grant_id == Grant.id)
        .join(Application, Grant.application_id == Application.id)
        .where(Grant.community_id == community.id, MidtermEvaluation.published.is_(True))
        .order_by(MidtermEvaluation.evaluated_at.desc(), MidtermEvaluation.id.desc())).all()
    zone = local_zone()
    return [PublishedEvaluation(
        agreement_no=g.agreement_no, team=a.team.name, title=a.title, awarded_fen=g.awarded_fen,
        disbursed_fen=g.disbursed_fen,
        evaluated_on=e.evaluated_at.astimezone(zone).date() if e.evaluated_at else None,
        opinion=e.opinion, terminated=a.state == S.terminated) for e, g, a in rows]


# -- step 7: expense claims -------------------------------------------------------------

CLAIM_TRANSITIONS = {
    "approve": ({ClaimState.submitted}, ClaimState.approved),
    "reject": ({ClaimState.submitted}, ClaimState.rejected),
}
#: The events name the grant (``grant.claim.<action>`` on object ``grant``).
CLAIM_FLOW = Workflow(ExpenseClaim, CLAIM_TRANSITIONS, audit_prefix="grant.claim", object_type="grant",
                      refused=lambda claim, action: _l("This claim is decided already."))


def submit_claim(grant, *, budget_line_id, description, amount_fen, spent_on, receipts, actor):
    """The leader's claim against a budget line with one or more receipts
    (``[(bytes, original file name), …]``, checked like activity evidence).

    :raises NotTheLeader: ``actor`` does not lead the team.
    :raises IllegalTransition: the grant is not active.
    :raises ExceedsAdvance: more than the money paid and not spent or claimed.
    :raises InvalidUpload: a receipt that is empty, too large or not JPEG, PNG or PDF.
    """
    _check_leader(grant, actor)
    lock_row(Grant, grant.id)
    db.session.refresh(grant)
    if grant.application.state not in (S.active, S.final_report_submitted):
        raise IllegalTransition(_l("Claims are made while the grant is active."))
    line = db.session.scalar(sa.select(BudgetLine).where(BudgetLine.id == budget_line_id,
                                                         BudgetLine.application_id == grant.application_id))
    if line is None:
        raise ValidationFailed(_l("Choose a line of this grant's budget."))
    description = _text(description, 300, _l("Say what the money paid for."))
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise ValidationFailed(_l("The amount must be more than zero."))
    _check_day(spent_on)
    if amount_fen > grant.advance_fen - pending_claims_fen(grant):
        raise ExceedsAdvance()
    if not receipts:
        raise ValidationFailed(_l("Attach at least one receipt."))
    checked = [(uploads.check(data), name) for data, name in receipts]
    claim = ExpenseClaim(grant_id=grant.id, budget_line_id=line.id, description=description,
                         amount_fen=amount_fen, spent_on=spent_on, submitted_by_id=actor_id(actor))
    db.session.add(claim)
    db.session.flush()
    for (content_type, data), name in checked:
        db.session.add(ExpenseReceipt(claim_id=claim.id, stored_name=uploads.store(data, content_type),
                                      original_name=uploads.clean_name(name), content_type=content_type,
                                      size=len(data), uploaded_by_id=actor_id(actor)))
    db.session.flush()
    record("grant.claim.submit", "grant", grant.id, community=_community(grant), actor=actor,
           label=grant.agreement_no, after={"claim": claim.id, "line": line.item, "amount_fen": amount_fen,
                                            "receipts": len(checked)})
    return claim


def pending_claims_fen(grant):
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(ExpenseClaim.amount_fen), 0)).where(
        ExpenseClaim.grant_id == grant.id, ExpenseClaim.state == ClaimState.submitted)) or 0)


def decide_claim(claim, *, approve, note="", idempotency_key=None, actor):
    """Staff approve a claim (Dr 510101 micro-venture grants, Cr 1221 advances, dated
    today; never more than the advance unspent) or reject it with a reason.

    :raises IllegalTransition: decided already.
    :raises ExceedsAdvance: spent + returned would exceed the money paid.
    :raises ValidationFailed: a rejection without a reason.
    """
    grant = claim.grant
    community = _community(grant)
    action = "approve" if approve else "reject"
    ledger = fund.posting(community) if approve else None
    if approve and idempotency_key:
        existing = ledger.find(idempotency_key)
        if existing is not None:
            return claim
    target = CLAIM_FLOW.check(claim, action)
    note = (note or "").strip()[:500]
    if not approve and not note:
        raise ValidationFailed(_l("Give the reason for the rejection."))
    before = {"state": claim.state.value, **_grant_snapshot(grant)}
    values = {}
    if approve:
        amount = claim.amount_fen
        if not _grant_update(grant, Grant.spent_fen + Grant.returned_fen + amount <= Grant.disbursed_fen,
                             spent_fen=Grant.spent_fen + amount):
            raise ExceedsAdvance()
        entry = ledger.post(
            value_date=local_today(), reference_type=ReferenceType.expense_claim,
            reference_id=f"G{grant.id}-C{claim.id}", project=_project_label(grant),
            memo=str(_l("Micro-venture grant %(no)s, expense claim: %(item)s",
                        no=grant.agreement_no, item=claim.description))[:200],
            lines=[fund.Line(chart.MICRO_VENTURE, amount), fund.Line(chart.GRANT_ADVANCES, -amount)],
            idempotency_key=idempotency_key, actor=actor)
        values["entry_id"] = entry.id
    return CLAIM_FLOW.step(
        claim, action, values={**values, "decision_note": note, "decided_by_id": actor_id(actor),
                               "decided_at": utcnow()},
        actor=actor, object_id=grant.id, community=community, label=grant.agreement_no, before=before,
        after={"state": target.value, "claim": claim.id, "amount_fen": claim.amount_fen,
               **_grant_snapshot(grant), **({"note": note} if note else {})})


def claims_of(grant):
    return db.session.scalars(sa.select(ExpenseClaim).where(ExpenseClaim.grant_id == grant.id)
                              .order_by(ExpenseClaim.id.desc())).all()


@dataclass
class LineActual:
    item: str
    budget_fen: int
    approved_fen: int
    pending_fen: int

    @property
    def remaining_fen(self):
        return self.budget_fen - self.approved_fen


def budget_against_actual(grant):
    """Per budget line: the budget, approved claims, claims waiting. Lines are the
    application's (their total is the amount requested; the award may be lower)."""
    sums = defaultdict(lambda: [0, 0])
    for line_id, state, total in db.session.execute(
            sa.select(ExpenseClaim.budget_line_id, ExpenseClaim.state, sa.func.sum(ExpenseClaim.amount_fen))
            .where(ExpenseClaim.grant_id == grant.id)
            .group_by(ExpenseClaim.budget_line_id, ExpenseClaim.state)):
        # SUM of a BIGINT is NUMERIC on PostgreSQL: back to integer fen.
        if state == ClaimState.approved:
            sums[line_id][0] += int(total)
        elif state == ClaimState.submitted:
            sums[line_id][1] += int(total)
    return [LineActual(item=line.item, budget_fen=line.line_total_fen, approved_fen=sums[line.id][0],
                       pending_fen=sums[line.id][1]) for line in grant.application.budget_lines]


# -- step 7: final report, close, termination -------------------------------------------

REPORT_TRANSITIONS = {
    "accept": ({FinalReportState.submitted}, FinalReportState.accepted),
    "return": ({FinalReportState.submitted}, FinalReportState.returned),
}
#: The events name the grant (``grant.report.<action>`` on object ``grant``).
REPORT_FLOW = Workflow(FinalReport, REPORT_TRANSITIONS, audit_prefix="grant.report", object_type="grant",
                       refused=lambda report, action: _l("This report is decided already."))


def reports_of(grant):
    return db.session.scalars(sa.select(FinalReport).where(FinalReport.grant_id == grant.id)
                              .order_by(FinalReport.id.desc())).all()


def submit_final_report(grant, *, narrative, outcomes="", beneficiaries=0, activity_ids=(), actor):
    """The leader's final report (结项报告) citing the project's activities; the grant
    moves to ``final_report_submitted``.

    :raises NotTheLeader, IllegalTransition, ValidationFailed.
    """
    _check_leader(grant, actor)
    narrative = _text(narrative, 20000, _l("Write what the project did."))
    if not isinstance(beneficiaries, int) or isinstance(beneficiaries, bool) \
            or not 0 <= beneficiaries <= 10**7:
        raise ValidationFailed(_l("Give the number of people served."))
    activities = _project_activities(grant, activity_ids)
    workflow.transition(grant.application, "submit_final_report", actor=actor)
    report = FinalReport(grant_id=grant.id, narrative=narrative, outcomes=(outcomes or "").strip()[:20000],
                         beneficiaries=beneficiaries, submitted_by_id=actor_id(actor), activities=activities)
    db.session.add(report)
    db.session.flush()
    record("grant.report.submit", "grant", grant.id, community=_community(grant), actor=actor,
           label=grant.agreement_no, after={"report": report.id, "beneficiaries": beneficiaries,
                                            "activities": [a.id for a in activities]})
    return report


def _report_transition(report, action, *, opinion, actor):
    _check_council(report.grant, actor)
    target = REPORT_FLOW.check(report, action)
    opinion = (opinion or "").strip()[:1000]
    if action == "return" and not opinion:
        raise ValidationFailed(_l("Say what the team must change."))
    return REPORT_FLOW.step(
        report, action, values={"opinion": opinion, "decided_by_id": actor_id(actor), "decided_at": utcnow()},
        actor=actor, object_id=report.grant_id, community=_community(report.grant),
        label=report.grant.agreement_no, before={"state": FinalReportState.submitted.value},
        after={"state": target.value, "opinion": opinion})


def return_final_report(report, *, opinion, actor):
    """The council sends the report back (the grant is active again).

    :raises NotAnEvaluator, Recused, IllegalTransition, ValidationFailed."""
    _report_transition(report, "return", opinion=opinion, actor=actor)
    workflow.transition(report.grant.application, "return_final_report", actor=actor, reason=report.opinion)
    return report


def _check_no_pending_claims(grant):
    if pending_claims_fen(grant):
        raise ClaimsPending()


def _return_unspent(grant, *, returned_on, method, reason, idempotency_key, actor, ledger):
    """Post the advance neither spent nor returned back to the fund (Dr bank or cash,
    Cr 1221) and release it from the round's commitment. Returns the refund or None."""
    db.session.refresh(grant)
    amount = grant.advance_fen
    if amount <= 0:
        return None
    seq = (db.session.scalar(sa.select(sa.func.count(GrantRefund.id)).where(GrantRefund.grant_id == grant.id))
           or 0) + 1
    if not _grant_update(grant, Grant.spent_fen + Grant.returned_fen + amount <= Grant.disbursed_fen,
                         returned_fen=Grant.returned_fen + amount):
        raise ExceedsAdvance()
    community = _community(grant)
    entry = ledger.post(
        value_date=returned_on, reference_type=ReferenceType.grant_tranche,
        reference_id=f"G{grant.id}-R{seq}", project=_project_label(grant),
        memo=str(_l("Micro-venture grant %(no)s: unspent money returned", no=grant.agreement_no)),
        lines=[fund.Line(chart.cash_account_for(method), amount), fund.Line(chart.GRANT_ADVANCES, -amount)],
        idempotency_key=idempotency_key, actor=actor)
    refund = GrantRefund(grant_id=grant.id, amount_fen=amount, returned_on=returned_on, reason=reason[:300],
                         entry_id=entry.id, recorded_by_id=actor_id(actor))
    db.session.add(refund)
    db.session.flush()
    workflow.release_commitment(grant.application, amount, actor=actor)
    record("grant.refund", "grant", grant.id, community=community, actor=actor, label=grant.agreement_no,
           after={"amount_fen": amount, "returned_on": returned_on, "entry_seq": entry.seq, "reason": reason})
    return refund


def _finish(grant, action, *, reason, returned_on, method, idempotency_key, actor):
    community = _community(grant)
    ledger = fund.posting(community)
    if idempotency_key and ledger.find(idempotency_key) is not None:
        return None
    _check_day(returned_on)
    _check_no_pending_claims(grant)
    lock_row(Grant, grant.id)
    db.session.refresh(grant)
    # The step first (it refuses from a wrong state and releases the part never paid),
    # then the money back.
    workflow.transition(grant.application, action, actor=actor, reason=reason)
    stopped = _stop_planned(grant)
    grant.payments_stopped = True
    db.session.flush()
    refund = _return_unspent(grant, returned_on=returned_on, method=method, reason=reason,
                             idempotency_key=idempotency_key, actor=actor, ledger=ledger)
    signals.grant_moved.send(grant, action=action, project=grant.project, actor=actor)
    if stopped:
        record("grant.payments_stopped", "grant", grant.id, community=community, actor=actor,
               label=grant.agreement_no, after={"payments_stopped": True, "stopped_tranches": stopped})
    return refund


def accept_final_report(report, *, opinion="", returned_on=None, method=PaymentMethod.bank,
                        idempotency_key=None, actor):
    """The council accepts the final report: the grant closes, tranches not paid stop
    and the advance not spent returns to the fund by a posting dated ``returned_on``
    (default today).

    :raises NotAnEvaluator, Recused, IllegalTransition, ClaimsPending.
    """
    _report_transition(report, "accept", opinion=opinion, actor=actor)
    _finish(report.grant, "close", reason=str(_l("Final report accepted")),
            returned_on=returned_on or local_today(), method=method, idempotency_key=idempotency_key,
            actor=actor)
    return report


def terminate(grant, *, reason, returned_on=None, method=PaymentMethod.bank, idempotency_key=None, actor):
    """End the grant early (a failed evaluation, a breach): later tranches stop, the
    advance not spent returns to the fund, the project is cancelled.

    :raises IllegalTransition: the grant is not awarded, active or reporting.
    :raises ClaimsPending: expense claims wait for a decision.
    :raises ValidationFailed: no reason.
    """
    reason = _text(reason, 300, _l("Give the reason for the termination."))
    return _finish(grant, "terminate", reason=reason, returned_on=returned_on or local_today(), method=method,
                   idempotency_key=idempotency_key, actor=actor)


def refunds_of(grant):
    return db.session.scalars(sa.select(GrantRefund).where(GrantRefund.grant_id == grant.id)
                              .order_by(GrantRefund.id)).all()


# -- plain data for the PDFs ------------------------------------------------------------

@dataclass
class AgreementData:
    community_name: str
    agreement_no: str
    round_name: str
    team: str
    title: str
    summary: str
    planned_activities: str
    target_groups: list
    requested_fen: int
    awarded_fen: int
    conditions: str
    budget: list  # [(item, quantity, unit_cost_fen, line_total_fen)]
    tranches: list  # [(seq, percent, amount_fen, needs_evaluation)]
    signed_on: date | None
    team_signatory: str
    centre_signatory: str
    awarded_on: date


def _local_day(moment):
    from charity.models_base import local_zone

    return moment.astimezone(local_zone()).date() if moment else None


def agreement_data(grant):
    a = grant.application
    return AgreementData(
        community_name=_community(grant).name, agreement_no=grant.agreement_no, round_name=a.round.name,
        team=a.team.name, title=a.title, summary=a.summary, planned_activities=a.planned_activities,
        target_groups=a.group_list, requested_fen=a.requested_fen, awarded_fen=grant.awarded_fen,
        conditions=a.conditions,
        budget=[(b.item, b.quantity, b.unit_cost_fen, b.line_total_fen) for b in a.budget_lines],
        tranches=[(t.seq, t.percent, t.amount_fen, t.needs_evaluation) for t in grant.tranches],
        signed_on=grant.signed_on, team_signatory=grant.team_signatory,
        centre_signatory=grant.community_signatory, awarded_on=_local_day(grant.awarded_at))


@dataclass
class StatementData:
    community_name: str
    agreement_no: str
    team: str
    title: str
    state: str
    awarded_fen: int
    disbursed_fen: int
    spent_fen: int
    returned_fen: int
    advance_fen: int
    signed_on: date | None
    tranches: list = field(default_factory=list)  # [(seq, percent, amount, state, paid_on, entry_seq)]
    claims: list = field(default_factory=list)  # [(spent_on, line, description, amount, state, entry_seq)]
    refunds: list = field(default_factory=list)  # [(returned_on, amount, reason, entry_seq)]
    lines: list = field(default_factory=list)  # [LineActual]
    activities: list = field(default_factory=list)  # [(day, title, state, beneficiaries, photos)]
    evaluations: list = field(default_factory=list)  # [(tranche_seq, state, opinion, day)]
    ledger_seq: int = 0
    ledger_hash: str = ""


def statement_data(grant):
    """Everything the per-grant statement prints, reconciled with the grant's amounts."""
    a = grant.application
    entries = {e.id: e.seq for e in fund.entries_for(_community(grant), reference_prefix=f"G{grant.id}-")}
    claims = db.session.scalars(sa.select(ExpenseClaim).where(ExpenseClaim.grant_id == grant.id)
                                .order_by(ExpenseClaim.spent_on, ExpenseClaim.id)).all()
    activities = []
    if grant.project_id is not None:
        photos = dict(db.session.execute(
            sa.select(Evidence.activity_id, sa.func.count(Evidence.id)).join(Activity)
            .where(Activity.project_id == grant.project_id).group_by(Evidence.activity_id)).all())
        for act in db.session.scalars(sa.select(Activity).where(
                Activity.project_id == grant.project_id, Activity.state == ActivityState.verified)
                .order_by(Activity.starts_at)):
            activities.append((_local_day(act.starts_at), act.title, act.state.value, act.total_beneficiaries,
                               photos.get(act.id, 0)))
    head = fund.ledger_head(_community(grant))
    return StatementData(
        ledger_seq=head.seq if head else 0, ledger_hash=head.hash if head else "",
        community_name=_community(grant).name, agreement_no=grant.agreement_no, team=a.team.name,
        title=a.title, state=a.state.value, awarded_fen=grant.awarded_fen, disbursed_fen=grant.disbursed_fen,
        spent_fen=grant.spent_fen, returned_fen=grant.returned_fen, advance_fen=grant.advance_fen,
        signed_on=grant.signed_on,
        tranches=[(t.seq, t.percent, t.amount_fen, t.state.value, t.paid_on, entries.get(t.entry_id))
                  for t in grant.tranches],
        claims=[(c.spent_on, c.budget_line.item, c.description, c.amount_fen, c.state.value,
                 entries.get(c.entry_id)) for c in claims],
        refunds=[(r.returned_on, r.amount_fen, r.reason, entries.get(r.entry_id)) for r in refunds_of(grant)],
        lines=budget_against_actual(grant), activities=activities,
        evaluations=[(e.tranche_seq, e.state.value, e.opinion, _local_day(e.evaluated_at))
                     for e in evaluations_of(grant)])


labels.register(
    actions={
        "grant.agreement.create": _l("Grant awarded: agreement drawn up"),
        "grant.agreement.signed": _l("Funding agreement signed"),
        "grant.tranche.paid": _l("Grant tranche paid"),
        "grant.payments_stopped": _l("Grant payments stopped"),
        "grant.evaluation.submit": _l("Mid-term self-evaluation submitted"),
        "grant.evaluation.resubmit": _l("Mid-term self-evaluation resubmitted"),
        "grant.evaluation.pass": _l("Mid-term evaluation passed"),
        "grant.evaluation.fail": _l("Mid-term evaluation failed"),
        "grant.evaluation.ask_more": _l("More material asked for the mid-term evaluation"),
        "grant.claim.submit": _l("Expense claim submitted"),
        "grant.claim.approve": _l("Expense claim approved"),
        "grant.claim.reject": _l("Expense claim rejected"),
        "grant.report.submit": _l("Final report submitted"),
        "grant.report.accept": _l("Final report accepted"),
        "grant.report.return": _l("Final report returned"),
        "grant.refund": _l("Unspent grant money returned to the fund"),
    },
    objects={"grant": _l("Grant")},
    fields={
        "disbursed_fen": _l("Paid out (fen)"),
        "spent_fen": _l("Spent (fen)"),
        "returned_fen": _l("Returned (fen)"),
        "awarded_fen": _l("Awarded (fen)"),
        "tranche": _l("Tranche"),
        "signed_on": _l("Signed on"),
        "team_signatory": _l("Signed for the team"),
        "centre_signatory": _l("Signed for the service centre"),
        "opinion": _l("Opinion"),
        "payments_stopped": _l("Payments stopped"),
    },
)
