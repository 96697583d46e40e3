"""Step 3: review: conflicts of interest (recusal), the reviewers' scores and the close of
scoring. Services flush, never commit.
"""

from dataclasses import dataclass, field
from statistics import mean

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.accounts.models import Role
from charity.audit.services import record
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.grants import workflow
from charity.grants.errors import (
    AlreadyDone,
    IllegalTransition,
    NoDeclaration,
    NotOnPanel,
    Recused,
)
from charity.grants.models import (
    SCORE_MAX,
    ConflictDeclaration,
    ConflictKind,
    Score,
    ScoreSheet,
)
from charity.grants.panels import reviewer_row
from charity.models_base import utcnow
from charity.partners.models import PartnerContact
from charity.teams.models import TeamMember, Volunteer
from charity.teams.services import community_of as _community


def declaration(app, user):
    return db.session.scalar(sa.select(ConflictDeclaration).where(
        ConflictDeclaration.application_id == app.id, ConflictDeclaration.user_id == user.id))


def known_conflicts(app, user):
    """Conflicts the app can see by itself: the reviewer serves in the applying team, or
    is the contact of a partner named in the budget."""
    found = []
    in_team = db.session.scalar(sa.select(TeamMember.id).join(Volunteer).where(
        TeamMember.team_id == app.team_id, Volunteer.user_id == user.id, TeamMember.left_on.is_(None)))
    if in_team:
        found.append(ConflictKind.team_member)
    partner_ids = {ln.partner_id for ln in app.budget_lines if ln.partner_id}
    if partner_ids and db.session.scalar(sa.select(PartnerContact.id).where(
            PartnerContact.user_id == user.id, PartnerContact.partner_id.in_(partner_ids))):
        found.append(ConflictKind.partner_tie)
    return found


def declare_conflict(app, user, kind, reason="", *, actor=None):
    """A panel member's declaration on ``app``: ``none`` or a conflict (which recuses
    them). Made once; a reviewer the app knows to be in the team or tied to a budget
    partner cannot declare ``none``.

    :raises NotOnPanel: ``user`` is not on the round's panel.
    :raises IllegalTransition: the application is not in review.
    :raises AlreadyDone: the declaration was made already.
    """
    kind = ConflictKind(kind)
    if reviewer_row(app.round, user) is None:
        raise NotOnPanel()
    if app.state not in workflow.REVIEWABLE:
        raise IllegalTransition(_l("Conflicts are declared while the application is in review."))
    if declaration(app, user) is not None:
        raise AlreadyDone(_l("You have declared on this application already."))
    reason = (reason or "").strip()[:500]
    if kind == ConflictKind.other and not reason:
        raise ValidationFailed(_l("Say what the conflict is."))
    if kind == ConflictKind.none and known_conflicts(app, user):
        raise ValidationFailed(_l("You serve in the applying team or for a partner in its budget: "
                                  "declare that conflict."))
    row = ConflictDeclaration(application_id=app.id, user_id=user.id, kind=kind, reason=reason)
    db.session.add(row)
    db.session.flush()
    record("grant.conflict", "grant_application", app.id, community=_community(app), actor=actor or user,
           label=app.title, after={"reviewer": user.display_name, "kind": kind.value, "reason": reason})
    return row


def recused_user_ids(app):
    return set(db.session.scalars(sa.select(ConflictDeclaration.user_id).where(
        ConflictDeclaration.application_id == app.id, ConflictDeclaration.kind != ConflictKind.none)))


def submit_scores(app, user, points, comments=None, comment="", *, actor=None):
    """Score ``app`` on every criterion of its round: ``points`` maps criterion id to a
    whole number 0–10; ``comments`` criterion id to a remark. Once per reviewer.

    :raises NotOnPanel: not on the panel.
    :raises NoDeclaration: no declaration yet.
    :raises Recused: a declared conflict.
    :raises IllegalTransition: not in review, or scoring closed.
    :raises ValidationFailed: a criterion missing or a score out of range.
    :raises AlreadyDone: scored already.
    """
    comments = comments or {}
    if reviewer_row(app.round, user) is None:
        raise NotOnPanel()
    decl = declaration(app, user)
    if decl is not None and decl.recused:
        raise Recused()
    if app.state not in workflow.REVIEWABLE or app.scoring_closed_at is not None:
        raise IllegalTransition(_l("Scoring of this application is closed."))
    if decl is None:
        raise NoDeclaration()
    if db.session.scalar(sa.select(ScoreSheet.id).where(ScoreSheet.application_id == app.id,
                                                        ScoreSheet.user_id == user.id)):
        raise AlreadyDone(_l("You have scored this application already."))
    criteria = app.round.criteria
    if set(points) != {c.id for c in criteria}:
        raise ValidationFailed(_l("Score every criterion."))
    for value in points.values():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= SCORE_MAX:
            raise ValidationFailed(_l("Scores are whole numbers from 0 to %(max)d.", max=SCORE_MAX))
    sheet = ScoreSheet(application_id=app.id, user_id=user.id, comment=(comment or "").strip()[:1000],
                       weighted_centi=sum(points[c.id] * c.weight for c in criteria))
    sheet.scores = [Score(criterion_id=c.id, points=points[c.id],
                          comment=(comments.get(c.id) or "").strip()[:500]) for c in criteria]
    db.session.add(sheet)
    db.session.flush()
    record("grant.score", "grant_application", app.id, community=_community(app), actor=actor or user,
           label=app.title, after={"reviewer": user.display_name, "weighted": sheet.weighted_centi / 100,
                                   "scores": {c.name: points[c.id] for c in criteria}})
    return sheet


def close_scoring(app, *, actor, roles):
    """The chair (the round's chair, or an admin) closes scoring early.

    :raises PermissionError-like NotOnPanel: ``actor`` is neither chair nor admin.
    :raises IllegalTransition: not in review, or closed already.
    """
    if Role.admin not in set(roles) and app.round.chair_id != actor.id:
        raise NotOnPanel(_l("Only the panel's chair or staff can close scoring."))
    if app.state not in workflow.REVIEWABLE or app.scoring_closed_at is not None:
        raise IllegalTransition(_l("Scoring of this application is closed."))
    app.scoring_closed_at = utcnow()
    app.scoring_closed_by_id = actor.id
    db.session.flush()
    record("grant.scoring_closed", "grant_application", app.id, community=_community(app), actor=actor,
           label=app.title, after={"scored": len(sheets_of(app))})


def sheets_of(app):
    return db.session.scalars(sa.select(ScoreSheet).where(ScoreSheet.application_id == app.id)
                              .order_by(ScoreSheet.id)).all()


@dataclass
class ScoringStatus:
    """Where the review of one application stands; the results only when complete."""

    panel: list  # RoundReviewer rows
    recused: dict  # user id -> ConflictDeclaration
    declared: set  # user ids that declared
    scored: set  # user ids that scored
    complete: bool
    closed_early: bool
    sheets: list = field(default_factory=list)
    #: Average of the reviewers' weighted totals (0–10), and max − min, when complete.
    average: float | None = None
    spread: float | None = None
    #: criterion id -> average points, when complete.
    by_criterion: dict = field(default_factory=dict)

    @property
    def expected(self):
        return [r for r in self.panel if r.user_id not in self.recused]


def scoring_status(app):
    panel = list(app.round.reviewers)
    decls = db.session.scalars(sa.select(ConflictDeclaration).where(
        ConflictDeclaration.application_id == app.id)).all()
    recused = {d.user_id: d for d in decls if d.recused}
    sheets = sheets_of(app)
    scored = {s.user_id for s in sheets}
    expected = {r.user_id for r in panel if r.user_id not in recused}
    closed = app.scoring_closed_at is not None
    complete = closed or (bool(expected) and expected <= scored)
    status = ScoringStatus(panel=panel, recused=recused, declared={d.user_id for d in decls}, scored=scored,
                           complete=complete, closed_early=closed)
    if complete and sheets:
        totals = [s.weighted_centi / 100 for s in sheets]
        status.sheets = sheets
        status.average = round(mean(totals), 2)
        status.spread = round(max(totals) - min(totals), 2)
        for c in app.round.criteria:
            values = [sc.points for s in sheets for sc in s.scores if sc.criterion_id == c.id]
            status.by_criterion[c.id] = round(mean(values), 2) if values else None
    return status
