"""The round summary PDF (微创投评审汇总表), drawn from :class:`charity.grants.summary.RoundSummary`."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, TableStyle

from charity.formatting import date_long, datetime_local
from charity.grants.labels import (
    OBJECTION_LABELS,
    OUTCOME_LABELS,
    QUORUM_LABELS,
    REVIEWER_LABELS,
    VOTE_LABELS,
)
from charity.grants.models import (
    ConflictKind,
    DecisionOutcome,
    ObjectionState,
    QuorumRule,
    ReviewerKind,
    VoteChoice,
)
from charity.grants.workflow import STATE_NAMES
from charity.reports import SHADE, ReportDocument, capital_yuan, escape, styles, table, yuan

WIDTH = 174 * mm  # A4 less the margins

CONFLICT_SHORT = {
    ConflictKind.none: "",
    ConflictKind.team_member: _l("member of the applying team"),
    ConflictKind.partner_tie: _l("tied to a partner in the budget"),
    ConflictKind.other: _l("other conflict"),
}


def _yuan(fen):
    return yuan(fen) if fen is not None else "—"


def _num(value):
    return "—" if value is None else f"{value:.2f}"


def _p(text, style):
    return Paragraph(escape(text), style)


def render(data) -> bytes:
    s = styles()
    title = _("Micro-venture round summary")
    generated = _("Generated %(when)s by %(who)s", when=datetime_local(data.generated_at),
                  who=data.generated_by)
    doc = ReportDocument(title=f"{title} · {data.round_name}", heading=f"{data.community_name} · {title}",
                         footer=generated, author=data.generated_by)
    story = [
        _p(title, s["title"]),
        Paragraph(escape(f"{data.community_name} · {data.round_name}") + "<br/>" + escape(generated),
                  s["subtitle"]),
    ]
    facts = [
        [_("Open"), f"{date_long(data.opens_on)} – {date_long(data.closes_on)}"],
        [_("Budget cap"), f"{_yuan(data.cap_fen)}（{capital_yuan(data.cap_fen)}）"],
        [_("Committed"), f"{_yuan(data.committed_fen)}（{capital_yuan(data.committed_fen)}）"],
        [_("Requested in all"), _yuan(data.requested_total_fen)],
        [_("Approved in all"), _yuan(data.approved_total_fen)],
        [_("Quorum"), str(QUORUM_LABELS[QuorumRule(data.quorum_rule)])],
        [_("Public notice"), _("%(n)d working days", n=data.notice_days)],
        [_("Scoring criteria"), "；".join(f"{n} {w}%" for n, w in data.criteria)],
        [_("Review panel"), "；".join(f"{n}（{REVIEWER_LABELS[ReviewerKind(k)]}{'，' + a if a else ''}）"
                                     for n, k, a in data.panel) or "—"],
    ]
    story.append(table([[_p(a, s["cell"]), _p(b, s["cell"])] for a, b in facts], [32 * mm, WIDTH - 32 * mm],
                        right_from=2, header=False))

    # One line per application.
    story.append(_p(_("Applications"), s["heading"]))
    head = ["#", _("Project"), _("Team"), _("Requested"), _("Approved"), _("Average"), _("Spread"),
            _("State")]
    rows = [[_p(h, s["cell"]) for h in head]]
    for a in data.applications:
        rows.append([str(a.id), _p(a.title, s["cell"]), _p(a.team, s["cell"]), _yuan(a.requested_fen),
                     _yuan(a.approved_fen), _num(a.average), _num(a.spread),
                     _p(str(STATE_NAMES.get(a.state, a.state)), s["cell"])])
    rows.append(["", _p(_("Total"), s["cell"]), "", _yuan(data.requested_total_fen),
                 _yuan(data.approved_total_fen), "", "", ""])
    widths = [8 * mm, 38 * mm, 32 * mm, 20 * mm, 20 * mm, 14 * mm, 14 * mm, 28 * mm]
    grid = table(rows, widths, right_from=3)
    grid.setStyle(TableStyle([("ALIGN", (7, 0), (7, -1), "LEFT"), ("BACKGROUND", (0, -1), (-1, -1), SHADE)]))
    story.append(grid)

    # The detail of each application.
    for a in data.applications:
        block = [Spacer(1, 4 * mm), _p(f"#{a.id} {a.title} · {a.team}", s["heading"])]
        crit_heads = [f"{n}\n{w}%" for n, w in data.criteria]
        rows = [[_p(_("Reviewer"), s["cell"])] + [_p(h, s["cell"]) for h in crit_heads]
                + [_p(_("Weighted"), s["cell"]), _p(_("Conflict of interest"), s["cell"])]]
        for r in a.reviewers:
            kind = REVIEWER_LABELS[ReviewerKind(r.kind)]
            conflict = ""
            if r.conflict:
                conflict = _("Recused: %(kind)s", kind=CONFLICT_SHORT[ConflictKind(r.conflict)])
                if r.conflict_reason:
                    conflict += f"（{r.conflict_reason}）"
            points = r.points if r.points is not None else ["—"] * len(data.criteria)
            rows.append([_p(f"{r.name}（{kind}）", s["cell"])]
                        + [str(p) if p is not None else "—" for p in points]
                        + [_num(r.weighted), _p(conflict, s["cell"])])
        rows.append([_p(_("Average"), s["cell"])] + [_num(v) for v in a.by_criterion]
                    + [_num(a.average), _p(_("Closed by the chair") if a.closed_early else "", s["cell"])])
        n = len(data.criteria)
        crit_w = min(16 * mm, (WIDTH - 36 * mm - 14 * mm - 36 * mm) / max(n, 1))
        widths = [36 * mm] + [crit_w] * n + [14 * mm, WIDTH - 36 * mm - crit_w * n - 14 * mm]
        t = table(rows, widths)
        t.setStyle(TableStyle([("ALIGN", (-1, 0), (-1, -1), "LEFT"),
                               ("BACKGROUND", (0, -1), (-1, -1), SHADE)]))
        block.append(t)
        comments = [f"{r.name}：{r.comment}" for r in a.reviewers if r.comment]
        for c in comments:
            block.append(_p(c, s["small"]))
        for d in a.decisions:
            outcome = OUTCOME_LABELS[DecisionOutcome(d.outcome)]
            line = _("%(meeting)s: %(outcome)s — approve %(a)d, reject %(r)d, abstain %(x)d; quorum %(q)d of "
                     "%(e)d council members not recused.", meeting=d.meeting, outcome=outcome, a=d.approve,
                     r=d.reject, x=d.abstain, q=d.quorum, e=d.eligible)
            if d.approved_fen:
                line += " " + _("Approved amount %(amount)s.", amount=_yuan(d.approved_fen))
            if d.conditions:
                line += " " + _("Conditions: %(text)s", text=d.conditions)
            block.append(_p(line, s["body"]))
            if d.votes:
                block.append(_p(_("Votes: %(votes)s", votes="；".join(
                    f"{name} {VOTE_LABELS[VoteChoice(choice)]}" for name, choice in d.votes)), s["small"]))
        if not a.decisions:
            block.append(_p(_("No council vote recorded."), s["small"]))
        for state, resolution in a.objections:
            text = _("Objection: %(state)s", state=OBJECTION_LABELS[ObjectionState(state)])
            if resolution:
                text += f" — {resolution}"
            block.append(_p(text, s["small"]))
        story.append(KeepTogether(block) if len(a.reviewers) < 12 else block[0])
        if len(a.reviewers) >= 12:
            story.extend(block[1:])
    return doc.render(story)
