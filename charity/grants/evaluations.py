"""Step 6: the mid-term evaluation.

``submit_evaluation(grant, *, self_evaluation, activity_ids=(), actor)``
    The team's leader asks for the next gated tranche (or resubmits after a request for
    more material).
``evaluate(evaluation, outcome, *, opinion, actor)``
    A council member records ``passed`` / ``failed`` / ``more_material``. A fail stops
    every later tranche and publishes the result (:func:`published_evaluations`).
``published_evaluations(community)``
    Failed mid-term evaluations to show on the public notice page (plain data).

Services flush, never commit (see :mod:`charity.grants.common`).
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.audit.services import record
from charity.dbutil import lock_row
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.grants.common import _check_council, _check_leader, _community, _text, agreement_start
from charity.grants.errors import (
    IllegalTransition,
)
from charity.grants.models import Application, ApplicationState
from charity.grants.models_award import EvaluationState, Grant, MidtermEvaluation
from charity.grants.tranches import _stop_planned, next_tranche, passed_evaluation
from charity.models_base import local_zone, utcnow
from charity.projects.models import Activity, ActivityState
from charity.statemachine import Workflow
from charity.teams.services import actor_id

S = ApplicationState


#: Activities a team may cite in its evaluation or final report.
CITABLE = (ActivityState.submitted, ActivityState.verified)

EVALUATION_STATE_NAMES = {
    EvaluationState.submitted: _l("with the evaluators"),
    EvaluationState.more_material: _l("more material asked"),
    EvaluationState.passed: _l("passed"),
    EvaluationState.failed: _l("failed"),
}

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
        Activity.id.in_(ids), Activity.project_id == grant.project_id, Activity.state.in_(CITABLE),
        *_since_agreement(grant))).all()
    if len(rows) != len(ids):
        raise ValidationFailed(
            _l("Choose activities of this grant's project, run since the agreement was signed, that were "
               "submitted or verified."))
    return rows


def _since_agreement(grant):
    """The condition on activities delivered under the agreement (none while unsigned)."""
    start = agreement_start(grant)
    return [sa.false()] if start is None else [Activity.starts_at >= start]


def citable_activities(grant):
    if grant.project_id is None:
        return []
    return db.session.scalars(sa.select(Activity).where(
        Activity.project_id == grant.project_id, Activity.state.in_(CITABLE), *_since_agreement(grant))
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
