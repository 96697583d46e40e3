"""The application/grant workflow: the ONE transition function, the round cap, and the
public-notice calendar. See the design notes in :mod:`charity.grants.models`."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from charity.accounts.models import Community
from charity.audit.services import record
from charity.extensions import db
from charity.grants.errors import (
    CapExceeded,
    IllegalTransition,
    NoticeNotOver,
    ObjectionPending,
)
from charity.grants.models import (
    Application,
    ApplicationState,
    GrantRound,
    Objection,
    ObjectionState,
)
from charity.models_base import local_today, utcnow
from charity.statemachine import Workflow

S = ApplicationState

#: States before a decision, from which the team may withdraw.
UNDECIDED = frozenset({S.draft, S.submitted, S.in_review, S.more_info, S.resubmitted})
#: States in which the application is reviewed (conflicts, scores, votes).
REVIEWABLE = frozenset({S.in_review})
#: States of a grant that holds (part of) the round's cap.
COMMITTED = frozenset({S.approved, S.public_notice, S.awarded, S.active, S.final_report_submitted})

#: action -> (states it may start from, state it leads to)
TRANSITIONS = {
    "submit": ({S.draft}, S.submitted),
    "start_review": ({S.submitted, S.resubmitted}, S.in_review),
    "request_info": ({S.in_review}, S.more_info),
    "resubmit": ({S.more_info}, S.resubmitted),
    "approve": ({S.in_review}, S.approved),
    "reject": ({S.in_review}, S.rejected),
    "publish": ({S.approved}, S.public_notice),
    "cancel": ({S.public_notice}, S.cancelled),
    "award": ({S.public_notice}, S.awarded),
    "activate": ({S.awarded}, S.active),
    "submit_final_report": ({S.active}, S.final_report_submitted),
    "return_final_report": ({S.final_report_submitted}, S.active),
    "close": ({S.final_report_submitted}, S.closed),
    "terminate": ({S.awarded, S.active, S.final_report_submitted}, S.terminated),
    "withdraw": (UNDECIDED, S.withdrawn),
}

def _refused(application, action):
    if action not in STEP_NAMES:
        return None
    return _l("Not possible now (%(step)s): the application is %(state)s.",
              step=STEP_NAMES[action], state=STATE_NAMES[application.state])


STATE_NAMES = {
    S.draft: _l("draft"),
    S.submitted: _l("submitted"),
    S.in_review: _l("in review"),
    S.more_info: _l("more information requested"),
    S.resubmitted: _l("resubmitted"),
    S.approved: _l("approved"),
    S.rejected: _l("rejected"),
    S.public_notice: _l("in public notice"),
    S.cancelled: _l("cancelled after an objection"),
    S.awarded: _l("awarded"),
    S.active: _l("active"),
    S.final_report_submitted: _l("final report submitted"),
    S.closed: _l("closed"),
    S.terminated: _l("terminated"),
    S.withdrawn: _l("withdrawn"),
}

STEP_NAMES = {
    "submit": _l("submit"),
    "start_review": _l("accept for review"),
    "request_info": _l("ask for more information"),
    "resubmit": _l("resubmit"),
    "approve": _l("approve"),
    "reject": _l("reject"),
    "publish": _l("publish the notice"),
    "cancel": _l("cancel"),
    "award": _l("award"),
    "activate": _l("start the grant"),
    "submit_final_report": _l("submit the final report"),
    "return_final_report": _l("return the final report"),
    "close": _l("close"),
    "terminate": _l("terminate"),
    "withdraw": _l("withdraw"),
}


FLOW = Workflow(Application, TRANSITIONS, audit_prefix="grant", object_type="grant_application",
                refused=_refused, label=lambda application: application.title)


def snapshot(application):
    return {"state": application.state.value, "requested_fen": application.requested_fen,
            "approved_fen": application.approved_fen}


def transition(application, action, *, actor=None, approved_fen=None, conditions=None,
               info_request=None, notice_start=None, reason=None):
    """Move ``application`` one step and audit it (``grant.<action>``); flushes.

    Step-specific arguments: ``approved_fen`` and ``conditions`` for ``approve`` (the
    amount is committed against the round's cap here); ``info_request`` for
    ``request_info``; ``notice_start`` (default today) for ``publish``; ``reason`` is
    recorded in the audit event for any step.

    Releases of the cap happen here too: ``cancel`` releases the approved amount;
    ``terminate`` and ``close`` release the part never disbursed (a refund recorded later
    releases its amount through :func:`release_commitment`).

    :raises IllegalTransition: the step is not allowed from the current state.
    :raises CapExceeded: ``approve`` would take the round above its cap.
    :raises NoticeNotOver: ``award`` before the last day of the notice has passed.
    :raises ObjectionPending: ``award`` while an objection is unresolved.
    """
    FLOW.check(application, action)
    before = snapshot(application)
    values, extra = {}, {}
    if action == "submit" or action == "resubmit":
        values["submitted_at"] = utcnow()
    elif action == "request_info":
        text = (info_request or "").strip()
        if not text:
            raise IllegalTransition(_l("Say what information is needed."))
        values["info_request"] = extra["info_request"] = text[:1000]
    elif action == "approve":
        if not isinstance(approved_fen, int) or isinstance(approved_fen, bool) \
                or approved_fen <= 0 or approved_fen > application.requested_fen:
            raise IllegalTransition(
                _l("The approved amount must be above zero and at most the amount requested."))
        commit_to_cap(application.round_id, approved_fen)
        values.update(approved_fen=approved_fen, conditions=(conditions or "").strip()[:1000],
                      decided_at=utcnow())
        extra["conditions"] = values["conditions"]
    elif action == "reject":
        values["decided_at"] = utcnow()
    elif action == "publish":
        start = notice_start or local_today()
        days = db.session.scalar(sa.select(GrantRound.notice_days).where(
            GrantRound.id == application.round_id))
        values.update(notice_starts_on=start, notice_ends_on=add_working_days(start, days))
        extra["notice"] = [start.isoformat(), values["notice_ends_on"].isoformat()]
    elif action == "award":
        if application.notice_ends_on is None or local_today() <= application.notice_ends_on:
            raise NoticeNotOver()
        if unresolved_objections(application):
            raise ObjectionPending()
    elif action == "cancel":
        release_commitment(application, application.approved_fen or 0, audit=False)
    elif action in ("terminate", "close"):
        disbursed = application.grant.disbursed_fen if application.grant is not None else 0
        release_commitment(application, (application.approved_fen or 0) - disbursed, audit=False)
    if reason:
        extra["reason"] = reason
    return FLOW.step(application, action, values=values, actor=actor, community=_community(application),
                     before=before, after=snapshot, extra=extra)


def _community(application):
    return db.session.get(Community, application.community_id)


def unresolved_objections(application):
    return db.session.scalar(sa.select(sa.func.count(Objection.id)).where(
        Objection.application_id == application.id, Objection.state == ObjectionState.pending)) or 0


# -- the round's cap ---------------------------------------------------------------------

def commit_to_cap(round_id, amount_fen):
    """Add ``amount_fen`` to the round's committed total in one conditional UPDATE.

    :raises CapExceeded: the total would exceed the cap (nothing changes).
    """
    result = db.session.execute(
        sa.update(GrantRound)
        .where(GrantRound.id == round_id, GrantRound.committed_fen + amount_fen <= GrantRound.cap_fen)
        .values(committed_fen=GrantRound.committed_fen + amount_fen)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise CapExceeded()
    _expire_round(round_id)


def release_commitment(application, amount_fen, *, actor=None, audit=True):
    """Give ``amount_fen`` of ``application``'s commitment back to the round (never below
    zero). Audited as ``grant.release`` unless the calling transition audits it."""
    if amount_fen <= 0:
        return
    result = db.session.execute(
        sa.update(GrantRound)
        .where(GrantRound.id == application.round_id, GrantRound.committed_fen >= amount_fen)
        .values(committed_fen=GrantRound.committed_fen - amount_fen)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise IllegalTransition(_l("The round's committed total is smaller than the amount to release."))
    _expire_round(application.round_id)
    if audit:
        record("grant.release", "grant_application", application.id, community=_community(application),
               actor=actor, label=application.title, after={"released_fen": amount_fen})


def _expire_round(round_id):
    obj = db.session.identity_map.get((GrantRound, (round_id,), None))
    if obj is not None:
        db.session.expire(obj, ["committed_fen"])


# -- public-notice calendar ---------------------------------------------------------------

def holidays():
    """Extra days off (``GRANT_NOTICE_HOLIDAYS``: ISO dates in the configuration). The
    built-in calendar knows only Saturdays and Sundays: statutory holidays and the make-up
    working days (调休) of each year must be configured."""
    if not has_app_context():
        return frozenset()
    return frozenset(date.fromisoformat(d) for d in current_app.config.get("GRANT_NOTICE_HOLIDAYS", ()))


def is_working_day(day, off=None):
    off = holidays() if off is None else off
    return day.weekday() < 5 and day not in off


def add_working_days(start, days):
    """The last day of a notice of ``days`` working days that starts on ``start`` (the
    first working day on or after ``start`` counts as day one)."""
    off = holidays()
    day = start
    while not is_working_day(day, off):
        day += timedelta(days=1)
    counted = 1
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, off):
            counted += 1
    return day
