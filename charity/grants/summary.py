"""The round summary for auditors (评审汇总表): every application with its scores per
criterion, recusals, votes per member, decisions and amounts, as plain data; drawn by
:mod:`charity.grants.summary_pdf`."""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from charity.accounts.models import Community
from charity.extensions import db
from charity.grants import council, notice, review
from charity.grants.models import Application, ConflictDeclaration, GrantRound
from charity.grants.summary_pdf import render
from charity.models_base import utcnow


@dataclass
class ReviewerRow:
    name: str
    kind: str
    #: Points per criterion (in the round's order), or None if not scored.
    points: list | None
    weighted: float | None
    conflict: str | None  # the declared conflict kind when recused
    conflict_reason: str = ""
    comment: str = ""


@dataclass
class DecisionRow:
    meeting: str
    outcome: str
    eligible: int
    quorum: int
    approve: int
    reject: int
    abstain: int
    votes: list  # [(name, choice)]
    approved_fen: int | None
    conditions: str


@dataclass
class ApplicationRow:
    id: int
    title: str
    team: str
    state: str
    requested_fen: int
    approved_fen: int | None
    reviewers: list
    average: float | None
    spread: float | None
    by_criterion: list  # averages in the round's order
    closed_early: bool
    decisions: list
    objections: list = field(default_factory=list)  # [(state, resolution)]


@dataclass
class RoundSummary:
    community_name: str
    round_name: str
    opens_on: object
    closes_on: object
    cap_fen: int
    committed_fen: int
    quorum_rule: str
    notice_days: int
    criteria: list  # [(name, weight)]
    panel: list  # [(name, kind, affiliation)]
    applications: list
    generated_at: datetime
    generated_by: str

    @property
    def requested_total_fen(self):
        return sum(a.requested_fen for a in self.applications)

    @property
    def approved_total_fen(self):
        return sum(a.approved_fen or 0 for a in self.applications)


def round_summary(rnd: GrantRound, *, generated_by: str) -> RoundSummary:
    """Everything the summary prints about ``rnd``, read in a few queries per application."""
    community = db.session.get(Community, rnd.community_id)
    criteria = list(rnd.criteria)
    apps = db.session.scalars(sa.select(Application).where(Application.round_id == rnd.id)
                              .order_by(Application.id)).all()
    rows = []
    for a in apps:
        status = review.scoring_status(a)
        sheets = {s.user_id: s for s in review.sheets_of(a)}
        decls = {d.user_id: d for d in db.session.scalars(sa.select(ConflictDeclaration).where(
            ConflictDeclaration.application_id == a.id))}
        reviewers = []
        for r in rnd.reviewers:
            sheet = sheets.get(r.user_id)
            decl = decls.get(r.user_id)
            points = None
            if sheet is not None:
                by_id = {s.criterion_id: s.points for s in sheet.scores}
                points = [by_id.get(c.id) for c in criteria]
            reviewers.append(ReviewerRow(
                name=r.user.display_name, kind=r.kind.value, points=points,
                weighted=sheet.weighted_centi / 100 if sheet else None,
                conflict=decl.kind.value if decl is not None and decl.recused else None,
                conflict_reason=decl.reason if decl is not None and decl.recused else "",
                comment=sheet.comment if sheet else ""))
        votes = council.votes_of(a)
        decisions = [DecisionRow(
            meeting=f"{d.meeting.held_on.isoformat()} {d.meeting.title}", outcome=d.outcome.value,
            eligible=d.eligible, quorum=d.quorum, approve=d.approve, reject=d.reject, abstain=d.abstain,
            votes=[(v.user.display_name, v.choice.value) for v in votes if v.meeting_id == d.meeting_id],
            approved_fen=d.approved_fen, conditions=d.conditions) for d in council.decisions_of(a)]
        rows.append(ApplicationRow(
            id=a.id, title=a.title, team=a.team.name, state=a.state.value, requested_fen=a.requested_fen,
            approved_fen=a.approved_fen, reviewers=reviewers,
            average=status.average, spread=status.spread,
            by_criterion=[status.by_criterion.get(c.id) for c in criteria], closed_early=status.closed_early,
            decisions=decisions,
            objections=[(o.state.value, o.resolution) for o in notice.objections_of(a)]))
    return RoundSummary(
        community_name=community.name, round_name=rnd.name, opens_on=rnd.opens_on, closes_on=rnd.closes_on,
        cap_fen=rnd.cap_fen, committed_fen=rnd.committed_fen, quorum_rule=rnd.quorum_rule.value,
        notice_days=rnd.notice_days, criteria=[(c.name, c.weight) for c in criteria],
        panel=[(r.user.display_name, r.kind.value, r.affiliation) for r in rnd.reviewers],
        applications=rows, generated_at=utcnow(), generated_by=generated_by)


def render_round_summary(data: RoundSummary) -> bytes:
    return render(data)
