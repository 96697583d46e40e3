"""Rounds, panels, applications, conflicts, scores, council votes, public notice and
objections (steps 1–4). The rules are in :mod:`charity.grants.models` (design notes);
the state changes go through :func:`charity.grants.workflow.transition`.

Services flush, never commit.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from statistics import mean

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from charity.accounts.models import Membership, Role, User
from charity.audit.models import AuditEvent
from charity.audit.services import record
from charity.dbutil import lock_row
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.grants import workflow
from charity.grants.errors import (  # noqa: F401  (callers use the names here too)
    AlreadyDone,
    BudgetInvalid,
    GrantError,
    IllegalTransition,
    NoDeclaration,
    NotAnAttendee,
    NoticeClosed,
    NotOnPanel,
    NotTheLeader,
    Recused,
    RoundClosed,
    RoundInvalid,
    ScoringOpen,
    TooManyObjections,
)
from charity.grants.models import (
    SCORE_MAX,
    Application,
    ApplicationAttachment,
    ApplicationState,
    BudgetLine,
    ConflictDeclaration,
    ConflictKind,
    CouncilVote,
    DecisionOutcome,
    GrantDecision,
    GrantRound,
    Objection,
    ObjectionState,
    QuorumRule,
    ReviewerKind,
    RoundCriterion,
    RoundReviewer,
    Score,
    ScoreSheet,
    VoteChoice,
)
from charity.models_base import local_today, utcnow
from charity.needs.models import CouncilMeeting, MeetingAttendee
from charity.partners.models import Partner, PartnerContact
from charity.projects import uploads
from charity.statemachine import Workflow
from charity.teams.models import Team, TeamMember, Volunteer
from charity.teams.services import actor_id, led_team_ids
from charity.teams.services import clean_groups as _clean_groups
from charity.teams.services import community_of as _community

S = ApplicationState

#: How Chinese micro-venture panels score (weights in percent, summing to 100).
DEFAULT_CRITERIA = [
    (_l("Beneficiaries and needs analysis"),
     _l("Who is served, how the need was found, how many people."), 25),
    (_l("Project design and distinctiveness"), _l("Activities, their fit to the need, what is new."), 25),
    (_l("Feasibility and risk"),
     _l("Schedule, venues, safety, what could go wrong and the plan for it."), 20),
    (_l("Budget soundness"), _l("Costs that are needed, reasonable and checked."), 15),
    (_l("Team capacity"), _l("Members, experience, the leader's record, volunteers engaged."), 15),
]

#: Most budget lines one application takes.
MAX_BUDGET_LINES = 30


# -- rounds ------------------------------------------------------------------------------

def _check_round(data):
    name = (data.get("name") or "").strip()
    if not name or len(name) > 120:
        raise RoundInvalid(_l("Names take 1 to 120 characters."))
    cap, most = data.get("cap_fen"), data.get("max_per_application_fen")
    if not cap or cap <= 0 or not most or most <= 0:
        raise RoundInvalid(_l("The cap and the maximum per application must be more than zero."))
    if most > cap:
        raise RoundInvalid(_l("The maximum per application cannot exceed the round's cap."))
    if data["closes_on"] < data["opens_on"]:
        raise RoundInvalid(_l("The round cannot close before it opens."))
    if not 1 <= (data.get("notice_days") or 0) <= 30:
        raise RoundInvalid(_l("The public notice lasts 1 to 30 working days."))
    return name


def _check_criteria(criteria):
    rows = [(str(n).strip(), str(d or "").strip(), w) for n, d, w in criteria if str(n).strip()]
    if not rows:
        raise RoundInvalid(_l("Give at least one scoring criterion."))
    if any(not isinstance(w, int) or w <= 0 or w > 100 for _n, _d, w in rows):
        raise RoundInvalid(_l("Each criterion's weight is a whole percent from 1 to 100."))
    if sum(w for _n, _d, w in rows) != 100:
        raise RoundInvalid(_l("The criteria's weights must add up to 100."))
    if len({n for n, _d, _w in rows}) != len(rows):
        raise RoundInvalid(_l("Two criteria have the same name."))
    return [(n[:100], d[:500], w) for n, d, w in rows]


def _round_snapshot(rnd):
    return {"name": rnd.name, "cap_fen": rnd.cap_fen, "max_per_application_fen": rnd.max_per_application_fen,
            "opens_on": rnd.opens_on.isoformat(), "closes_on": rnd.closes_on.isoformat(),
            "quorum_rule": rnd.quorum_rule.value, "notice_days": rnd.notice_days,
            "chair": rnd.chair.display_name if rnd.chair else None,
            "criteria": [f"{c.name} {c.weight}%" for c in rnd.criteria]}


def create_round(community, data, *, criteria=None, actor=None):
    """A new round; ``criteria`` is a list of (name, description, weight), default
    :data:`DEFAULT_CRITERIA`.

    :raises RoundInvalid: a bad setting, or weights not adding up to 100.
    """
    name = _check_round(data)
    rows = _check_criteria(criteria if criteria is not None
                           else [(str(n), str(d), w) for n, d, w in DEFAULT_CRITERIA])
    if db.session.scalar(sa.select(GrantRound.id).where(GrantRound.community_id == community.id,
                                                        GrantRound.name == name)):
        raise RoundInvalid(_l("A round with this name exists already."))
    rnd = GrantRound(community_id=community.id, name=name,
                     eligibility=(data.get("eligibility") or "").strip(),
                     cap_fen=data["cap_fen"], committed_fen=0,
                     max_per_application_fen=data["max_per_application_fen"],
                     opens_on=data["opens_on"], closes_on=data["closes_on"],
                     quorum_rule=QuorumRule(data.get("quorum_rule") or QuorumRule.majority),
                     notice_days=data.get("notice_days") or 5, created_by_id=actor_id(actor))
    rnd.criteria = [RoundCriterion(position=i, name=n, description=d, weight=w)
                    for i, (n, d, w) in enumerate(rows, start=1)]
    db.session.add(rnd)
    db.session.flush()
    record("grant.round.create", "grant_round", rnd.id, community=community, actor=actor, label=rnd.name,
           after=_round_snapshot(rnd))
    return rnd


def scored(rnd):
    """True once anyone has scored an application of the round (criteria then stay fixed)."""
    return bool(db.session.scalar(sa.select(sa.func.count(ScoreSheet.id)).join(
        Application, Application.id == ScoreSheet.application_id).where(Application.round_id == rnd.id)))


def update_round(rnd, data, *, criteria=None, actor=None):
    """Change a round's settings (and criteria, until the first score).

    :raises RoundInvalid: a bad setting; the cap below what is already committed; the
        criteria changed after scoring started.
    """
    lock_row(GrantRound, rnd.id)
    db.session.refresh(rnd)
    name = _check_round(data)
    if data["cap_fen"] < rnd.committed_fen:
        raise RoundInvalid(_l("The cap cannot be lower than the amount already committed."))
    if db.session.scalar(sa.select(GrantRound.id).where(GrantRound.community_id == rnd.community_id,
                                                        GrantRound.name == name, GrantRound.id != rnd.id)):
        raise RoundInvalid(_l("A round with this name exists already."))
    before = _round_snapshot(rnd)
    if criteria is not None:
        rows = _check_criteria(criteria)
        current = [(c.name, c.description, c.weight) for c in rnd.criteria]
        if rows != current:
            if scored(rnd):
                raise RoundInvalid(_l("Scoring has started: the criteria can no longer change."))
            rnd.criteria.clear()
            db.session.flush()
            rnd.criteria.extend(RoundCriterion(position=i, name=n, description=d, weight=w)
                                for i, (n, d, w) in enumerate(rows, start=1))
    rnd.name = name
    rnd.eligibility = (data.get("eligibility") or "").strip()
    rnd.cap_fen = data["cap_fen"]
    rnd.max_per_application_fen = data["max_per_application_fen"]
    rnd.opens_on, rnd.closes_on = data["opens_on"], data["closes_on"]
    rnd.quorum_rule = QuorumRule(data.get("quorum_rule") or rnd.quorum_rule)
    rnd.notice_days = data["notice_days"]
    db.session.flush()
    after = _round_snapshot(rnd)
    if after != before:
        record("grant.round.update", "grant_round", rnd.id, community=_community(rnd), actor=actor,
               label=rnd.name, before=before, after=after)
    return rnd


def is_open(rnd, today=None):
    today = today or local_today()
    return rnd.opens_on <= today <= rnd.closes_on


# -- panel -------------------------------------------------------------------------------

def holders_of(community, role):
    """Active users holding ``role`` in ``community``, by name."""
    ids = sa.select(Membership.user_id).where(Membership.community_id == community.id,
                                              Membership.role == role)
    return db.session.scalars(sa.select(User).where(User.id.in_(ids), User.active.is_(True))
                              .order_by(User.display_name, User.id)).all()


def reviewer_row(rnd, user):
    if user is None or not getattr(user, "is_authenticated", True):
        return None
    return db.session.scalar(sa.select(RoundReviewer).where(RoundReviewer.round_id == rnd.id,
                                                            RoundReviewer.user_id == user.id))


def add_reviewer(rnd, user_id, *, kind, affiliation="", actor=None):
    """Put a council member (kind ``council``) or an expert (``expert``, a user holding
    the expert role) on the round's panel.

    :raises ValidationFailed: the user does not hold the matching role here, or is on
        the panel already.
    """
    community = _community(rnd)
    kind = ReviewerKind(kind)
    role = Role.council if kind == ReviewerKind.council else Role.expert
    user = next((u for u in holders_of(community, role) if u.id == user_id), None)
    if user is None:
        raise ValidationFailed(_l("Choose a council member or an expert reviewer of this community."))
    if reviewer_row(rnd, user) is not None:
        raise ValidationFailed(_l("%(name)s is on the panel already.", name=user.display_name))
    row = RoundReviewer(round_id=rnd.id, user_id=user.id, kind=kind,
                        affiliation=(affiliation or "").strip()[:120],
                        added_by_id=actor_id(actor))
    db.session.add(row)
    db.session.flush()
    record("grant.panel.add", "grant_round", rnd.id, community=community, actor=actor, label=rnd.name,
           after={"reviewer": user.display_name, "kind": kind.value})
    return row


def remove_reviewer(row, *, actor=None):
    """Take a reviewer off the panel, unless they have declared or scored already.

    :raises IllegalTransition: the reviewer has taken part in the review.
    """
    rnd = row.round
    if row.user_id in took_part(rnd):
        raise IllegalTransition(_l("This reviewer has taken part in the review and stays on the panel."))
    name, kind = row.user.display_name, row.kind.value
    db.session.delete(row)
    db.session.flush()
    db.session.expire(rnd, ["reviewers"])
    record("grant.panel.remove", "grant_round", rnd.id, community=_community(rnd), actor=actor,
           label=rnd.name,
           before={"reviewer": name, "kind": kind})


def took_part(rnd):
    """Ids of the panel members who declared on an application of the round (they stay)."""
    return set(db.session.scalars(
        sa.select(ConflictDeclaration.user_id)
        .join(Application, Application.id == ConflictDeclaration.application_id)
        .where(Application.round_id == rnd.id)))


def set_chair(rnd, user_id, *, actor=None):
    """Designate a panel member as the chair (or none with ``user_id=None``)."""
    if user_id and not any(r.user_id == user_id for r in rnd.reviewers):
        raise ValidationFailed(_l("The chair must be on the panel."))
    before = _round_snapshot(rnd)
    rnd.chair_id = user_id or None
    db.session.flush()
    db.session.refresh(rnd, ["chair"])
    record("grant.round.update", "grant_round", rnd.id, community=_community(rnd), actor=actor,
           label=rnd.name, before=before, after=_round_snapshot(rnd))


# -- who sees what -----------------------------------------------------------------------

def panel_round_ids(user, community):
    """Ids of the community's rounds on whose panel ``user`` sits."""
    return set(db.session.scalars(sa.select(RoundReviewer.round_id).join(GrantRound).where(
        GrantRound.community_id == community.id, RoundReviewer.user_id == user.id)))


def can_read_all(roles):
    return bool(set(roles) & {Role.admin, Role.council, Role.auditor})


def can_see_application(application, user, roles, community):
    """Staff, council and auditors see every application; a panel member (an expert) those
    of their rounds once submitted; a leader their own team's."""
    if can_read_all(roles):
        return True
    if Role.expert in roles and application.state != S.draft \
            and application.round_id in panel_round_ids(user, community):
        return True
    return Role.leader in roles and application.team_id in led_team_ids(user, community)


def can_see_round(rnd, user, roles, community):
    return can_read_all(roles) or Role.leader in roles or rnd.id in panel_round_ids(user, community)


# -- applications ------------------------------------------------------------------------

@dataclass
class LineInput:
    item: str
    quantity: int
    unit_cost_fen: int
    partner_id: int | None = None


def _check_lines(rnd, lines):
    lines = [ln for ln in lines if (ln.item or "").strip()]
    if not lines:
        raise BudgetInvalid(_l("Give at least one budget line."))
    if len(lines) > MAX_BUDGET_LINES:
        raise BudgetInvalid(_l("At most %(n)d budget lines.", n=MAX_BUDGET_LINES))
    partners = set(db.session.scalars(sa.select(Partner.id).where(Partner.community_id == rnd.community_id)))
    for ln in lines:
        if len(ln.item.strip()) > 120:
            raise BudgetInvalid(_l("An item takes at most 120 characters."))
        for value in (ln.quantity, ln.unit_cost_fen):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise BudgetInvalid(_l("Each line needs a quantity and a unit cost above zero."))
        if ln.quantity > 100000:
            raise BudgetInvalid(_l("A quantity is at most 100000."))
        if ln.partner_id and ln.partner_id not in partners:
            raise BudgetInvalid(_l("Choose a partner of this community."))
    total = sum(ln.quantity * ln.unit_cost_fen for ln in lines)
    if total > rnd.max_per_application_fen:
        raise BudgetInvalid(_l("The budget totals %(total)s, above the round's maximum of %(max)s.",
                               total=_yuan(total), max=_yuan(rnd.max_per_application_fen)))
    return lines, total


def _yuan(fen):
    from charity.formatting import money

    return money(fen)


def _app_snapshot(app):
    return {"title": app.title, "target_groups": app.target_groups, "requested_fen": app.requested_fen,
            "budget": [f"{ln.item} {ln.quantity}×{ln.unit_cost_fen}" for ln in app.budget_lines]}


def _fill(app, data, lines, total):
    title = (data.get("title") or "").strip()
    if not title or len(title) > 120:
        raise ValidationFailed(_l("Titles take 1 to 120 characters."))
    app.title = title
    app.summary = (data.get("summary") or "").strip()
    app.planned_activities = (data.get("planned_activities") or "").strip()
    app.target_groups = _clean_groups(data.get("target_groups") or ())
    app.budget_lines.clear()
    db.session.flush()
    app.budget_lines.extend(
        BudgetLine(position=i, item=ln.item.strip(), quantity=ln.quantity, unit_cost_fen=ln.unit_cost_fen,
                   line_total_fen=ln.quantity * ln.unit_cost_fen, partner_id=ln.partner_id or None)
        for i, ln in enumerate(lines, start=1))
    app.requested_fen = total


def create_application(rnd, team, data, lines, *, actor):
    """A draft application of ``team`` (led by ``actor``) to ``rnd``.

    :raises NotTheLeader: ``actor`` does not lead the team.
    :raises RoundClosed: the round is not open today.
    :raises BudgetInvalid: no lines, a bad line, or a total above the round's maximum.
    :raises ValidationFailed: the team has a live application in the round already.
    """
    community = _community(rnd)
    if team.community_id != rnd.community_id or team.id not in led_team_ids(actor, community):
        raise NotTheLeader()
    if not is_open(rnd):
        raise RoundClosed()
    live = db.session.scalar(sa.select(Application.id).where(
        Application.round_id == rnd.id, Application.team_id == team.id,
        Application.state.not_in([S.withdrawn, S.rejected, S.cancelled])))
    if live:
        raise ValidationFailed(_l("Your team has an application in this round already."))
    return new_application(rnd, team, data, lines, actor=actor)


def new_application(rnd, team, data, lines, *, actor=None):
    """The draft itself, checked for its budget only: :func:`create_application` checks
    who applies and when; the demo loader records past applications through this."""
    lines, total = _check_lines(rnd, lines)
    app = Application(community_id=rnd.community_id, round_id=rnd.id, team_id=team.id, state=S.draft,
                      created_by_id=actor_id(actor))
    app.round = rnd
    db.session.add(app)
    _fill(app, data, lines, total)
    db.session.flush()
    record("grant.application.create", "grant_application", app.id, community=_community(rnd), actor=actor,
           label=app.title, after=_app_snapshot(app))
    return app


EDITABLE = (S.draft, S.more_info)


def update_application(app, data, lines, *, actor):
    """Change a draft (or an application sent back for more information).

    :raises NotTheLeader: ``actor`` does not lead the team.
    :raises IllegalTransition: the application is no longer editable.
    :raises BudgetInvalid: see :func:`create_application`.
    """
    _check_leader(app, actor)
    lock_row(Application, app.id)
    db.session.refresh(app)
    if app.state not in EDITABLE:
        raise IllegalTransition(_l("Only a draft, or an application sent back for more information, "
                                   "can be changed."))
    lines, total = _check_lines(app.round, lines)
    before = _app_snapshot(app)
    _fill(app, data, lines, total)
    db.session.flush()
    record("grant.application.update", "grant_application", app.id, community=_community(app), actor=actor,
           label=app.title, before=before, after=_app_snapshot(app))
    return app


def _check_leader(app, actor):
    if app.team_id not in led_team_ids(actor, _community(app)):
        raise NotTheLeader()


def add_attachment(app, data, original_name, *, actor):
    """Attach a photo or PDF (checked like evidence files) while the application is
    editable.

    :raises InvalidUpload: empty, too large, not a JPEG, PNG or PDF by content.
    """
    _check_leader(app, actor)
    if app.state not in EDITABLE:
        raise IllegalTransition(_l("Only a draft, or an application sent back for more information, "
                                   "can be changed."))
    content_type, stored = uploads.check(data)
    name = uploads.store(stored, content_type)
    row = ApplicationAttachment(application_id=app.id, stored_name=name,
                                original_name=uploads.clean_name(original_name), content_type=content_type,
                                size=len(stored), uploaded_by_id=actor_id(actor))
    db.session.add(row)
    db.session.flush()
    record("grant.attachment.add", "grant_application", app.id, community=_community(app), actor=actor,
           label=app.title, after={"file": row.original_name})
    return row


#: Steps taken by the team's leader, and by staff.
LEADER_STEPS = ("submit", "resubmit", "withdraw")
STAFF_STEPS = ("start_review", "request_info", "publish")


def team_step(app, action, *, actor):
    """``submit``, ``resubmit`` or ``withdraw`` by the team's leader.

    :raises NotTheLeader: ``actor`` does not lead the team.
    :raises RoundClosed: a first submission after the round closed.
    """
    if action not in LEADER_STEPS:
        raise IllegalTransition()
    _check_leader(app, actor)
    if action == "submit" and not is_open(app.round):
        raise RoundClosed()
    if action in ("submit", "resubmit") and not app.budget_lines:
        raise BudgetInvalid(_l("Give at least one budget line."))
    return workflow.transition(app, action, actor=actor)


def staff_step(app, action, *, actor, info_request=None, notice_start=None):
    """``start_review``, ``request_info`` (with the request) or ``publish`` by staff."""
    if action not in STAFF_STEPS:
        raise IllegalTransition()
    return workflow.transition(app, action, actor=actor, info_request=info_request, notice_start=notice_start)


def allowed_steps(app):
    return set(workflow.FLOW.allowed(app))


# -- conflicts of interest ---------------------------------------------------------------

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


# -- scores ------------------------------------------------------------------------------

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


# -- council vote ------------------------------------------------------------------------

def quorum_for(eligible, rule):
    """Votes needed for a decision out of ``eligible`` council members."""
    if eligible <= 0:
        return 1
    if QuorumRule(rule) == QuorumRule.two_thirds:
        return -(-2 * eligible // 3)
    return eligible // 2 + 1


def outcome_of(approve, reject, abstain, quorum):
    """The decision of a count: approved / rejected need the quorum of votes cast and
    more than half of the votes cast; anything else is no decision."""
    cast = approve + reject + abstain
    if cast < quorum or cast == 0:
        return DecisionOutcome.no_decision
    if 2 * approve > cast:
        return DecisionOutcome.approved
    if 2 * reject > cast:
        return DecisionOutcome.rejected
    return DecisionOutcome.no_decision


def eligible_voters(app, community):
    """Council members of the community (now) who have not declared a conflict on ``app``."""
    recused = recused_user_ids(app)
    return [u for u in holders_of(community, Role.council) if u.id not in recused]


def record_votes(app, meeting, votes, *, approved_fen=None, conditions="", actor):
    """Record the council's votes on ``app`` at ``meeting`` and the decision they make.

    ``votes`` maps user id to approve / reject / abstain (members not listed did not
    vote). An approval commits ``approved_fen`` (default: the amount requested) against
    the round's cap; no decision leaves the application in review.

    :raises ScoringOpen: scoring is not complete.
    :raises NotOnPanel: a voter who is not a council member.
    :raises NotAnAttendee: a voter who did not attend the meeting.
    :raises Recused: a voter who declared a conflict.
    :raises AlreadyDone: this meeting's votes on ``app`` were recorded already.
    :raises CapExceeded: the approval would exceed the round's cap.
    """
    community = _community(app)
    if meeting.community_id != app.community_id:
        raise ValidationFailed(_l("Choose a council meeting of this community."))
    lock_row(Application, app.id)
    db.session.refresh(app)
    if app.state not in workflow.REVIEWABLE:
        raise IllegalTransition(_l("Only an application in review can be voted on."))
    if not scoring_status(app).complete:
        raise ScoringOpen()
    if db.session.scalar(sa.select(GrantDecision.id).where(GrantDecision.application_id == app.id,
                                                           GrantDecision.meeting_id == meeting.id)):
        raise AlreadyDone(_l("The votes of this meeting on this application are recorded already."))
    council = {u.id: u for u in holders_of(community, Role.council)}
    attendees = set(db.session.scalars(sa.select(MeetingAttendee.user_id).where(
        MeetingAttendee.meeting_id == meeting.id, MeetingAttendee.user_id.is_not(None))))
    recused = recused_user_ids(app)
    choices = {}
    for user_id, choice in votes.items():
        if user_id not in council:
            raise NotOnPanel(_l("Only council members vote."))
        if user_id in recused:
            raise Recused(_l("%(name)s declared a conflict of interest and cannot vote on this application.",
                             name=council[user_id].display_name))
        if user_id not in attendees:
            raise NotAnAttendee(_l("%(name)s did not attend this meeting.",
                                   name=council[user_id].display_name))
        choices[user_id] = VoteChoice(choice)
    eligible = len([u for u in council if u not in recused])
    quorum = quorum_for(eligible, app.round.quorum_rule)
    counts = {c: sum(1 for v in choices.values() if v == c) for c in VoteChoice}
    outcome = outcome_of(counts[VoteChoice.approve], counts[VoteChoice.reject], counts[VoteChoice.abstain],
                         quorum)
    amount = None
    if outcome == DecisionOutcome.approved:
        amount = approved_fen if approved_fen is not None else app.requested_fen
    for user_id, choice in sorted(choices.items()):
        db.session.add(CouncilVote(application_id=app.id, meeting_id=meeting.id, user_id=user_id,
                                   choice=choice, recorded_by_id=actor.id))
    decision = GrantDecision(application_id=app.id, meeting_id=meeting.id, outcome=outcome, eligible=eligible,
                             quorum=quorum, approve=counts[VoteChoice.approve],
                             reject=counts[VoteChoice.reject],
                             abstain=counts[VoteChoice.abstain], approved_fen=amount,
                             conditions=(conditions or "").strip()[:1000] if amount else "",
                             recorded_by_id=actor.id)
    db.session.add(decision)
    db.session.flush()
    record("grant.vote", "grant_application", app.id, community=community, actor=actor, label=app.title,
           after={"meeting": f"{meeting.held_on.isoformat()} {meeting.title}",
                  "votes": {council[u].display_name: c.value for u, c in sorted(choices.items())}})
    record("grant.decision", "grant_application", app.id, community=community, actor=actor, label=app.title,
           after={"outcome": outcome.value, "eligible": eligible, "quorum": quorum,
                  "approve": decision.approve, "reject": decision.reject, "abstain": decision.abstain})
    if outcome == DecisionOutcome.approved:
        workflow.transition(app, "approve", actor=actor, approved_fen=amount, conditions=conditions)
    elif outcome == DecisionOutcome.rejected:
        workflow.transition(app, "reject", actor=actor)
    return decision


def meetings_for_vote(community, limit=20):
    return db.session.scalars(sa.select(CouncilMeeting).where(CouncilMeeting.community_id == community.id)
                              .order_by(CouncilMeeting.held_on.desc(), CouncilMeeting.id.desc())
                              .limit(limit)).all()


def decisions_of(app):
    return db.session.scalars(sa.select(GrantDecision).where(GrantDecision.application_id == app.id)
                              .order_by(GrantDecision.id)).all()


def votes_of(app):
    return db.session.scalars(sa.select(CouncilVote).where(CouncilVote.application_id == app.id)
                              .order_by(CouncilVote.meeting_id, CouncilVote.id)).all()


# -- public notice and objections --------------------------------------------------------

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


def teams_led(user, community):
    ids = led_team_ids(user, community)
    if not ids:
        return []
    return db.session.scalars(sa.select(Team).where(Team.id.in_(ids)).order_by(Team.name)).all()
