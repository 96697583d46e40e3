"""Plain data for the PDFs: ``agreement_data(grant)`` for the funding agreement and
``statement_data(grant)`` for the grant statement (:mod:`charity.grants.pdf_award`).
"""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from charity.extensions import db
from charity.fund import api as fund
from charity.grants.claims import budget_against_actual
from charity.grants.closing import refunds_of
from charity.grants.common import _community, _local_day, agreement_start
from charity.grants.evaluations import evaluations_of
from charity.grants.models_award import ExpenseClaim
from charity.projects.models import Activity, ActivityState, Evidence


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
    #: Verified activities of the project before the agreement was signed: listed apart,
    #: never counted as delivered under the agreement.
    earlier_activities: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)  # [(tranche_seq, state, opinion, day)]
    ledger_seq: int = 0
    ledger_hash: str = ""


def statement_data(grant):
    """Everything the per-grant statement prints, reconciled with the grant's amounts."""
    a = grant.application
    entries = {e.id: e.seq for e in fund.entries_for(_community(grant), reference_prefix=f"G{grant.id}-")}
    claims = db.session.scalars(sa.select(ExpenseClaim).where(ExpenseClaim.grant_id == grant.id)
                                .order_by(ExpenseClaim.spent_on, ExpenseClaim.id)).all()
    activities, earlier = [], []
    start = agreement_start(grant)
    if grant.project_id is not None:
        photos = dict(db.session.execute(
            sa.select(Evidence.activity_id, sa.func.count(Evidence.id)).join(Activity)
            .where(Activity.project_id == grant.project_id).group_by(Evidence.activity_id)).all())
        for act in db.session.scalars(sa.select(Activity).where(
                Activity.project_id == grant.project_id, Activity.state == ActivityState.verified)
                .order_by(Activity.starts_at)):
            row = (_local_day(act.starts_at), act.title, act.state.value, act.total_beneficiaries,
                   photos.get(act.id, 0))
            (activities if start is not None and act.starts_at >= start else earlier).append(row)
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
        lines=budget_against_actual(grant), activities=activities, earlier_activities=earlier,
        evaluations=[(e.tranche_seq, e.state.value, e.opinion, _local_day(e.evaluated_at))
                     for e in evaluations_of(grant)])
