"""Step 4: the public notice and objections to it. Services flush, never commit.
"""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from charity.audit.models import AuditEvent
from charity.audit.services import record
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.grants import workflow
from charity.grants.errors import (
    IllegalTransition,
    NoticeClosed,
    TooManyObjections,
)
from charity.grants.models import (
    Application,
    ApplicationState,
    Objection,
    ObjectionState,
)
from charity.models_base import local_today, utcnow
from charity.statemachine import Workflow
from charity.teams.services import community_of as _community

S = ApplicationState


def in_notice(app, today=None):
    today = today or local_today()
    return (app.state == S.public_notice and app.notice_starts_on is not None
            and app.notice_starts_on <= today <= app.notice_ends_on)


@dataclass
class PublicGrant:
    """What the public notice shows of one grant: nothing else."""

    id: int
    team: str
    title: str
    amount_fen: int
    notice_starts_on: object
    notice_ends_on: object
    round_name: str
    panel: list  # [(name, kind)]


def public_notices(community, today=None):
    """Grants of ``community`` in their notice period, for the page with no sign-in."""
    today = today or local_today()
    apps = db.session.scalars(
        sa.select(Application).where(Application.community_id == community.id,
                                     Application.state == S.public_notice,
                                     Application.notice_starts_on <= today,
                                     Application.notice_ends_on >= today)
        .order_by(Application.notice_starts_on, Application.id)).all()
    return [PublicGrant(id=a.id, team=a.team.name, title=a.title, amount_fen=a.approved_fen,
                        notice_starts_on=a.notice_starts_on, notice_ends_on=a.notice_ends_on,
                        round_name=a.round.name,
                        panel=[(r.user.display_name, r.kind) for r in a.round.reviewers])
            for a in apps]


def _objections_from(community, address, since):
    """Objections lodged from ``address`` in ``community`` since ``since``, counted in the
    audit trail, which records each request's client address (no second copy kept)."""
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.community_id == community.id, AuditEvent.action == "grant.objection.lodge",
        AuditEvent.address == address, AuditEvent.created_at >= since)) or 0


def lodge_objection(community, application_id, *, name, contact, reason, address=None):
    """Anyone's objection to a grant in its notice period. Audited without the contact.

    :param address: the client's address (the web form passes it): one address lodges at
        most ``GRANT_OBJECTIONS_PER_ADDRESS_PER_DAY`` objections per community a day.
    :raises NoticeClosed: the grant is not (or no longer) in its notice period.
    :raises TooManyObjections: that address has reached the day's limit.
    """
    app = db.session.scalar(sa.select(Application).where(Application.id == application_id,
                                                         Application.community_id == community.id))
    if app is None or not in_notice(app):
        raise NoticeClosed()
    if address:
        limit = current_app.config["GRANT_OBJECTIONS_PER_ADDRESS_PER_DAY"]
        if _objections_from(community, address[:45], utcnow() - timedelta(hours=24)) >= limit:
            raise TooManyObjections()
    name, contact, reason = (name or "").strip(), (contact or "").strip(), (reason or "").strip()
    if not name or not contact or not reason:
        raise ValidationFailed(_l("This field is required."))
    row = Objection(community_id=community.id, application_id=app.id, name=name[:80], contact=contact[:100],
                    reason=reason[:5000])
    db.session.add(row)
    db.session.flush()
    record("grant.objection.lodge", "grant_objection", row.id, community=community, label=app.title,
           after={"application": app.id, "name": row.name})
    return row


def objections_of(app):
    return db.session.scalars(sa.select(Objection).where(Objection.application_id == app.id)
                              .order_by(Objection.id)).all()


#: action (the outcome) -> (states it may start from, state it leads to)
OBJECTION_TRANSITIONS = {
    ObjectionState.upheld.value: ({ObjectionState.pending}, ObjectionState.upheld),
    ObjectionState.dismissed.value: ({ObjectionState.pending}, ObjectionState.dismissed),
}

OBJECTION_FLOW = Workflow(Objection, OBJECTION_TRANSITIONS, audit_prefix="grant.objection",
                          object_type="grant_objection",
                          refused=lambda objection, action: _l("This objection is resolved already."))


def resolve_objection(objection, outcome, resolution, *, actor):
    """Uphold (the grant is cancelled and its amount released to the round) or dismiss
    (the grant may proceed) an objection, with the reason.

    :raises IllegalTransition: the objection is resolved already.
    :raises ValidationFailed: no reason given.
    """
    outcome = ObjectionState(outcome)
    if outcome == ObjectionState.pending:
        raise IllegalTransition()
    OBJECTION_FLOW.check(objection, outcome.value)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationFailed(_l("Give the reason for the resolution."))
    app = objection.application
    OBJECTION_FLOW.step(
        objection, outcome.value,
        values={"resolution": resolution[:1000], "resolved_by_id": actor.id, "resolved_at": utcnow()},
        community=_community(app), actor=actor, label=app.title, before={"state": "pending"},
        after=lambda o: {"state": o.state.value, "resolution": o.resolution})
    if outcome == ObjectionState.upheld and app.state == S.public_notice:
        workflow.transition(app, "cancel", actor=actor, reason=objection.resolution)
    return objection
