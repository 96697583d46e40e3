"""Step 4: the council vote with its quorum and the decisions. Services flush, never commit.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.accounts.models import Role
from charity.audit.services import record
from charity.dbutil import lock_row
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.grants import workflow
from charity.grants.errors import (
    AlreadyDone,
    IllegalTransition,
    NotAnAttendee,
    NotOnPanel,
    Recused,
    ScoringOpen,
)
from charity.grants.models import (
    Application,
    CouncilVote,
    DecisionOutcome,
    GrantDecision,
    QuorumRule,
    VoteChoice,
)
from charity.grants.panels import holders_of
from charity.grants.review import recused_user_ids, scoring_status
from charity.needs.models import CouncilMeeting, MeetingAttendee
from charity.teams.services import community_of as _community


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
