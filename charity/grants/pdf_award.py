"""The funding agreement (资助协议书) and the per-grant statement PDFs, drawn from the
plain data of :func:`charity.grants.documents.agreement_data` and
:func:`charity.grants.documents.statement_data`."""

from flask_babel import format_date
from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from charity.formatting import datetime_local
from charity.grants.claims import CLAIM_STATE_NAMES
from charity.grants.evaluations import EVALUATION_STATE_NAMES
from charity.grants.tranches import TRANCHE_STATE_NAMES
from charity.grants.workflow import STATE_NAMES
from charity.reports import GRID, SHADE, ReportDocument, capital_yuan, escape, font_name, styles, table, yuan
from charity.teams.labels import group_label


def _day(value):
    return format_date(value, "long") if value else "—"


def _para_table(rows, widths, s, *, header=True):
    """A table of wrapped paragraphs (long text such as budget items and opinions)."""
    cells = [[Paragraph(escape(c), s["cell_right"] if isinstance(c, Right) else s["cell"]) for c in row]
             for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    style = [("FONTNAME", (0, 0), (-1, -1), font_name()), ("GRID", (0, 0), (-1, -1), 0.4, GRID),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 2),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    table.setStyle(TableStyle(style))
    return table


class Right(str):
    """A cell aligned right (an amount)."""


def _clauses(data):
    plan = "、".join(f"{p}%" for _seq, p, _a, _e in data.tranches) if data.tranches else ""
    clauses = [
        _("Party B uses the grant only for the project and the budget below; a change of budget line "
          "above 10 percent needs Party A's written consent."),
        _("Party A pays the grant in %(count)s tranches (%(plan)s) into the team's account; no money is "
          "paid before this agreement is signed by both parties.", count=len(data.tranches), plan=plan),
        _("Every tranche after the first is paid only after a passed mid-term evaluation of the team's "
          "self-evaluation and activity records. A failed evaluation stops every later tranche and is "
          "published; Party A may then end the grant."),
        _("Party B claims each expense against a budget line with its receipts; Party A approves or "
          "rejects each claim. Money paid and not spent stays the fund's money."),
        _("Party B submits a final report (activities, outcomes, people served, photos) when the project "
          "ends. The grant closes when the joint council accepts it."),
        _("When the grant ends or is terminated, Party B returns the money not spent to the community fund "
          "within 15 days."),
        _("The grant, the mid-term results and the use of the money are published on the community's "
          "notice board and open to residents' oversight."),
    ]
    if data.conditions:
        clauses.append(_("Conditions set by the joint council: %(conditions)s", conditions=data.conditions))
    return clauses


def render_agreement(data, *, generated_by, generated_at) -> bytes:
    """The funding agreement: parties, project, amount in figures and capitals, budget,
    tranche plan, terms and the signature block (names and date once recorded)."""
    s = styles()
    title = _("Funding agreement")
    doc = ReportDocument(title=f"{title} {data.agreement_no}", heading=f"{data.community_name} · {title}",
                         footer=_("Generated %(when)s by %(who)s", when=datetime_local(generated_at),
                                  who=generated_by), author=generated_by)
    story = [Paragraph(escape(_("Charity micro-venture funding agreement")), s["title"]),
             Paragraph(escape(_("Agreement number: %(no)s", no=data.agreement_no)), s["subtitle"])]
    parties = [
        [_("Party A (funder)"), _("%(community)s community service centre (community charity fund)",
                                  community=data.community_name)],
        [_("Party B (grantee)"), data.team],
        [_("Grant round"), data.round_name],
        [_("Project"), data.title],
        [_("Beneficiaries"), "、".join(str(group_label(g)) for g in data.target_groups) or "—"],
        [_("Amount awarded"), "¥" + yuan(data.awarded_fen) + "  " + _("RMB %(amount)s",
                                                                      amount=capital_yuan(data.awarded_fen))],
        [_("Awarded on"), _day(data.awarded_on)],
    ]
    story += [_para_table(parties, [38 * mm, 136 * mm], s, header=False)]
    if data.summary:
        story += [Paragraph(escape(_("Project summary")), s["heading"]),
                  Paragraph(escape(data.summary), s["body"])]

    budget = [[_("Budget item"), Right(_("Quantity")), Right(_("Unit cost")), Right(_("Line total"))]]
    budget += [[item, Right(str(q)), Right(yuan(unit)), Right(yuan(total))]
               for item, q, unit, total in data.budget]
    budget.append([_("Total requested"), "", "", Right(yuan(data.requested_fen))])
    budget.append([_("Amount awarded"), "", "", Right(yuan(data.awarded_fen))])
    story += [Paragraph(escape(_("Budget")), s["heading"]),
              _para_table(budget, [94 * mm, 22 * mm, 28 * mm, 30 * mm], s)]
    if data.awarded_fen < data.requested_fen:
        note = _("The award is lower than the budget: Party B adjusts the budget lines within the amount "
                 "awarded.")
        story.append(Paragraph(escape(note), s["small"]))

    plan = [[_("Tranche"), Right(_("Share")), Right(_("Amount (yuan)")), _("Condition")]]
    plan += [[str(seq), Right(f"{percent}%"), Right(yuan(amount)),
              _("After a passed mid-term evaluation") if gated else _("After signing")]
             for seq, percent, amount, gated in data.tranches]
    plan.append([_("Total"), Right("100%"), Right(yuan(sum(a for _s, _p, a, _g in data.tranches))), ""])
    story += [Paragraph(escape(_("Tranche plan")), s["heading"]),
              _para_table(plan, [22 * mm, 22 * mm, 40 * mm, 90 * mm], s)]

    story.append(Paragraph(escape(_("Terms")), s["heading"]))
    for n, clause in enumerate(_clauses(data), start=1):
        story.append(Paragraph(escape(f"{n}. {clause}"), s["body"]))
        story.append(Spacer(1, 1.5 * mm))

    blank = "________________"
    sign = [[_("Party A (stamp)"), _("Party B (team)")],
            [_("Signed by: %(name)s", name=data.centre_signatory or blank),
             _("Signed by: %(name)s", name=data.team_signatory or blank)],
            [_("Date: %(day)s", day=_day(data.signed_on) if data.signed_on else blank),
             _("Date: %(day)s", day=_day(data.signed_on) if data.signed_on else blank)]]
    box = Table([[Paragraph(escape(c), s["body"]) for c in row] for row in sign],
                colWidths=[87 * mm, 87 * mm], rowHeights=[22 * mm, 9 * mm, 9 * mm])
    box.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font_name()), ("BOX", (0, 0), (0, -1), 0.6, GRID),
                             ("BOX", (1, 0), (1, -1), 0.6, GRID), ("VALIGN", (0, 0), (-1, 0), "TOP")]))
    story += [Spacer(1, 6 * mm), KeepTogether([Paragraph(escape(_("Signatures")), s["heading"]), box])]
    if data.signed_on:
        recorded = _("Recorded as signed by both parties on %(day)s.", day=_day(data.signed_on))
        story.append(Paragraph(escape(recorded), s["small"]))
    return doc.render(story)


def render_grant_statement(data, *, generated_by, generated_at) -> bytes:
    """The grant statement for auditors: award, tranches, claims, money returned, the
    balance held by the team, budget against actual, evaluations, activities delivered."""
    s = styles()
    title = _("Grant statement")
    generated = _("Generated %(when)s by %(who)s", when=datetime_local(generated_at), who=generated_by)
    doc = ReportDocument(title=f"{title} {data.agreement_no}",
                         heading=f"{data.community_name} · {title} · {data.agreement_no}", footer=generated,
                         author=generated_by)
    story = [Paragraph(escape(f"{data.community_name} {title}"), s["title"]),
             Paragraph(escape(f"{data.team} · {data.title}") + "<br/>" + escape(generated), s["subtitle"])]
    facts = [[_("Agreement number"), data.agreement_no], [_("State"), str(STATE_NAMES[data.state])],
             [_("Agreement signed on"), _day(data.signed_on)]]
    story.append(_para_table(facts, [45 * mm, 129 * mm], s, header=False))

    not_paid = data.awarded_fen - data.disbursed_fen
    summary = [[_("Item"), _("Amount (yuan)"), _("In capital numerals")],
               [_("Amount awarded"), yuan(data.awarded_fen), capital_yuan(data.awarded_fen)],
               [_("Paid to the team"), yuan(data.disbursed_fen), capital_yuan(data.disbursed_fen)],
               [_("Spent (claims approved)"), yuan(data.spent_fen), capital_yuan(data.spent_fen)],
               [_("Returned to the fund"), yuan(data.returned_fen), capital_yuan(data.returned_fen)],
               [_("Held by the team, not yet accounted for"), yuan(data.advance_fen),
                capital_yuan(data.advance_fen)],
               [_("Award not paid"), yuan(not_paid), capital_yuan(not_paid)]]
    story += [Paragraph(escape(_("Summary")), s["heading"]),
              table(summary, [62 * mm, 30 * mm, 82 * mm], right_from=1, bold_rows=(5,))]

    tranches = [[_("Tranche"), Right(_("Share")), Right(_("Amount (yuan)")), _("State"), _("Paid on"),
                 _("Entry")]]
    tranches += [[str(seq), Right(f"{p}%"), Right(yuan(a)), str(TRANCHE_STATE_NAMES[st]), _day(on),
                  f"#{e}" if e else "—"] for seq, p, a, st, on, e in data.tranches]
    story += [Paragraph(escape(_("Tranches")), s["heading"]),
              _para_table(tranches, [18 * mm, 16 * mm, 30 * mm, 32 * mm, 50 * mm, 28 * mm], s)]

    story.append(Paragraph(escape(_("Expense claims")), s["heading"]))
    if data.claims:
        claims = [[_("Spent on"), _("Budget line"), _("What for"), Right(_("Amount (yuan)")), _("State"),
                   _("Entry")]]
        claims += [[on.isoformat(), line, what, Right(yuan(a)), str(CLAIM_STATE_NAMES[st]),
                    f"#{e}" if e else "—"] for on, line, what, a, st, e in data.claims]
        story.append(_para_table(claims, [22 * mm, 34 * mm, 56 * mm, 24 * mm, 20 * mm, 18 * mm], s))
    else:
        story.append(Paragraph(escape(_("No expense claims yet.")), s["body"]))

    if data.refunds:
        refunds = [[_("Returned on"), Right(_("Amount (yuan)")), _("Reason"), _("Entry")]]
        refunds += [[on.isoformat(), Right(yuan(a)), why, f"#{e}"] for on, a, why, e in data.refunds]
        story += [Paragraph(escape(_("Money returned to the fund")), s["heading"]),
                  _para_table(refunds, [26 * mm, 30 * mm, 100 * mm, 18 * mm], s)]

    lines = [[_("Budget item"), Right(_("Budget")), Right(_("Spent")), Right(_("Waiting")),
              Right(_("Remaining"))]]
    lines += [[x.item, Right(yuan(x.budget_fen)), Right(yuan(x.approved_fen)), Right(yuan(x.pending_fen)),
               Right(yuan(x.remaining_fen))] for x in data.lines]
    story += [Paragraph(escape(_("Budget against actual")), s["heading"]),
              _para_table(lines, [74 * mm, 25 * mm, 25 * mm, 25 * mm, 25 * mm], s)]

    if data.evaluations:
        evaluations = [[_("Before tranche"), _("Result"), _("Opinion"), _("Decided on")]]
        evaluations += [[str(seq), str(EVALUATION_STATE_NAMES[st]), opinion or "—", _day(on)]
                        for seq, st, opinion, on in data.evaluations]
        story += [Paragraph(escape(_("Mid-term evaluations")), s["heading"]),
                  _para_table(evaluations, [22 * mm, 24 * mm, 92 * mm, 36 * mm], s)]

    story.append(Paragraph(escape(_("Activities delivered (verified)")), s["heading"]))
    if data.activities:
        acts = [[_("Date"), _("Activity"), Right(_("People served")), Right(_("Photos"))]]
        acts += [[_day(day), name, Right(str(people)), Right(str(photos))]
                 for day, name, _st, people, photos in data.activities]
        acts.append([_("Total"), str(len(data.activities)), Right(str(sum(a[3] for a in data.activities))),
                     Right(str(sum(a[4] for a in data.activities)))])
        story.append(_para_table(acts, [36 * mm, 94 * mm, 24 * mm, 20 * mm], s))
    else:
        story.append(Paragraph(escape(_("No verified activity yet.")), s["body"]))
    if data.earlier_activities:
        story.append(Paragraph(escape(_("Earlier work, before the agreement was signed (not counted above)")),
                               s["heading"]))
        earlier = [[_("Date"), _("Activity"), Right(_("People served")), Right(_("Photos"))]]
        earlier += [[_day(day), name, Right(str(people)), Right(str(photos))]
                    for day, name, _st, people, photos in data.earlier_activities]
        story.append(_para_table(earlier, [36 * mm, 94 * mm, 24 * mm, 20 * mm], s))

    story += [Spacer(1, 4 * mm),
              Paragraph(escape(_("Every amount above is posted in the community fund's ledger (entry numbers "
                                 "shown). Ledger at generation: entry #%(seq)s, hash %(hash)s.",
                                 seq=data.ledger_seq, hash=data.ledger_hash)), s["small"])]
    return doc.render(story)

