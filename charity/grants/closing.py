"""Step 7: the final report, the close and the termination.

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

Services flush, never commit (see :mod:`charity.grants.common`).
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity import signals
from charity.audit.services import record
from charity.dbutil import lock_row
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.fund import api as fund
from charity.fund.api import PaymentMethod, ReferenceType, chart
from charity.grants import workflow
from charity.grants.claims import pending_claims_fen
from charity.grants.common import (
    _check_council,
    _check_day,
    _check_leader,
    _community,
    _grant_update,
    _project_label,
    _text,
)
from charity.grants.errors import (
    ClaimsPending,
    ExceedsAdvance,
)
from charity.grants.evaluations import _project_activities
from charity.grants.models_award import FinalReport, FinalReportState, Grant, GrantRefund
from charity.grants.tranches import _stop_planned
from charity.models_base import local_today, utcnow
from charity.statemachine import Workflow
from charity.teams.services import actor_id

REPORT_STATE_NAMES = {
    FinalReportState.submitted: _l("with the council"),
    FinalReportState.returned: _l("returned"),
    FinalReportState.accepted: _l("accepted"),
}

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
