"""Step 5: paying the tranches.

``pay_tranche(tranche, *, paid_on, method, idempotency_key, actor)``
    Dr 1221 / Cr bank or cash. Refused: agreement unsigned, tranche not next or not
    planned, payments stopped, no passed evaluation for a gated tranche (or a date before
    it passed, or before the agreement was signed), more than the
    award (conditional UPDATE), more than the fund holds (post_entry). The first payment
    starts the grant (awarded → active) and the project.

Services flush, never commit (see :mod:`charity.grants.common`).
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity import signals
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.fund import api as fund
from charity.fund.api import PaymentMethod, ReferenceType, chart
from charity.grants import workflow
from charity.grants.common import (
    _check_day,
    _community,
    _grant_snapshot,
    _grant_update,
    _local_day,
    _project_label,
)
from charity.grants.errors import (
    AgreementUnsigned,
    EvaluationRequired,
    ExceedsAward,
    IllegalTransition,
    PaymentsStopped,
    TrancheNotPayable,
)
from charity.grants.models import ApplicationState
from charity.grants.models_award import EvaluationState, Grant, MidtermEvaluation, Tranche, TrancheState
from charity.statemachine import Workflow
from charity.teams.services import actor_id

S = ApplicationState


#: States of a grant in which money may still move to the team.
PAYABLE = frozenset({S.awarded, S.active})

TRANCHE_STATE_NAMES = {
    TrancheState.planned: _l("planned"),
    TrancheState.paid: _l("paid"),
    TrancheState.stopped: _l("stopped"),
}


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
    if tranche.needs_evaluation:
        released_on = _local_day(passed_evaluation(grant, tranche.seq).evaluated_at)
        if released_on is not None and paid_on < released_on:
            raise ValidationFailed(_l(
                "This tranche was released by the mid-term evaluation passed on %(day)s: it cannot be paid "
                "before that day.", day=released_on.isoformat()))
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
