"""The months of the fund: closing a month, and reopening it with two people."""



import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.accounts.models import Role
from charity.extensions import db
from charity.fund.errors import PeriodTransitionError, ReopenNeedsTwoPeople
from charity.fund.ledger import lock_head
from charity.fund.models import FundPeriod, PeriodState
from charity.models_base import utcnow
from charity.statemachine import Workflow


def _roles_of(user, community):
    return user.roles_in(community.id) if user is not None else set()


def _period_row(community, year, month):
    return db.session.scalar(sa.select(FundPeriod).where(
        FundPeriod.community_id == community.id, FundPeriod.year == year, FundPeriod.month == month))


#: action -> (states it may start from, state it leads to). A month without a row is open.
PERIOD_TRANSITIONS = {
    "close": ({PeriodState.open}, PeriodState.closed),
    "request_reopen": ({PeriodState.closed}, PeriodState.reopen_requested),
    "confirm_reopen": ({PeriodState.reopen_requested}, PeriodState.open),
    "cancel_reopen": ({PeriodState.reopen_requested}, PeriodState.closed),
}

_PERIOD_REFUSED = {
    "close": _l("This month is already closed."),
    "request_reopen": _l("Only a closed month can be reopened."),
    "confirm_reopen": _l("No reopening of this month awaits confirmation."),
    "cancel_reopen": _l("No reopening of this month awaits confirmation."),
}

PERIOD_FLOW = Workflow(FundPeriod, PERIOD_TRANSITIONS, audit_prefix="fund.period", object_type="fund_period",
                       refused=lambda period, action: _PERIOD_REFUSED.get(action, _l("Unknown step.")),
                       label=lambda period: period.label)


def transition_period(community, year, month, action, *, actor, reason=None):
    """The one transition function of a month's state machine.

    open --close (admin)--> closed --request_reopen (admin or council)--> reopen_requested
    --confirm_reopen (the other role, another person)--> open;
    reopen_requested --cancel_reopen (either)--> closed.

    :raises PeriodTransitionError: the action does not apply to the month's state or role.
    :raises ReopenNeedsTwoPeople: the confirmer is the requester or holds the same role only.
    """
    if not (1 <= month <= 12 and 2000 <= year <= 2200):
        raise PeriodTransitionError(_l("No such month."))
    lock_head(community)  # serialise with postings dated in the month
    period = _period_row(community, year, month)
    state = period.state if period is not None else PeriodState.open
    roles = _roles_of(actor, community)
    before = {"state": state}
    if action not in PERIOD_TRANSITIONS:
        raise PERIOD_FLOW.illegal(period, action)
    if action == "close" and Role.admin not in roles:
        raise PeriodTransitionError(_l("Only an admin closes a month."))
    if state not in PERIOD_FLOW.sources(action):
        raise PERIOD_FLOW.illegal(period, action)
    cleared = {"reopen_requested_by_id": None, "reopen_requested_role": None, "reopen_reason": None}
    values = {}
    if action == "close":
        if period is None:
            period = FundPeriod(community_id=community.id, year=year, month=month, state=PeriodState.open)
            db.session.add(period)
            db.session.flush()
        values = {"closed_by_id": actor.id, "closed_at": utcnow(), **cleared}
    elif action == "request_reopen":
        role = Role.admin if Role.admin in roles else Role.council if Role.council in roles else None
        if role is None:
            raise PeriodTransitionError(_l("Only an admin or a council member asks to reopen a month."))
        reason = (reason or "").strip()
        if not reason or len(reason) > 200:
            raise PeriodTransitionError(_l("Give the reason for reopening (at most 200 characters)."))
        values = {"reopen_requested_by_id": actor.id, "reopen_requested_role": role.value,
                  "reopen_reason": reason}
    elif action == "confirm_reopen":
        needed = Role.council if period.reopen_requested_role == Role.admin.value else Role.admin
        if actor.id == period.reopen_requested_by_id or needed not in roles:
            raise ReopenNeedsTwoPeople()
    elif action == "cancel_reopen":
        if not roles & {Role.admin, Role.council}:
            raise PeriodTransitionError(_l("Only an admin or a council member may do this."))
        values = cleared
    return PERIOD_FLOW.step(
        period, action, values=values, community=community, actor=actor, before=before,
        after=lambda p: {"state": p.state, "reason": reason} if reason else {"state": p.state})
