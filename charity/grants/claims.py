"""Step 7: expense claims.

``submit_claim(grant, *, budget_line_id, description, amount_fen, spent_on, receipts, actor)``
    The leader's expense claim with receipts (``[(bytes, filename), …]``).
``decide_claim(claim, *, approve, note="", idempotency_key, actor)``
    Staff approve (Dr 510101 / Cr 1221, never more than the advance unspent) or reject.
``budget_against_actual(grant)``
    Plain data: each budget line against what was claimed.

Services flush, never commit (see :mod:`charity.grants.common`).
"""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.audit.services import record
from charity.dbutil import lock_row
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.fund import api as fund
from charity.fund.api import ReferenceType, chart
from charity.grants.common import (
    _check_day,
    _check_leader,
    _community,
    _grant_snapshot,
    _grant_update,
    _project_label,
    _text,
)
from charity.grants.errors import (
    ExceedsAdvance,
    IllegalTransition,
)
from charity.grants.models import ApplicationState, BudgetLine
from charity.grants.models_award import ClaimState, ExpenseClaim, ExpenseReceipt, Grant
from charity.models_base import local_today, utcnow
from charity.projects import uploads
from charity.statemachine import Workflow
from charity.teams.services import actor_id

S = ApplicationState


CLAIM_STATE_NAMES = {
    ClaimState.submitted: _l("waiting"),
    ClaimState.approved: _l("approved"),
    ClaimState.rejected: _l("rejected"),
}

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
