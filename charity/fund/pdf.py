"""Fund statement and donation receipt PDFs, drawn from plain data.

The statement's entry list is a :class:`charity.reports.LedgerRows` flowable, so time
grows linearly with the number of entries. ``bench/`` measures it.
"""

from flask_babel import format_date
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer, Table, TableStyle

from charity.formatting import datetime_local
from charity.reports import (
    GRID,
    SHADE,
    LedgerRows,
    ReportDocument,
    capital_yuan,
    escape,
    font_name,
    styles,
    table,
    yuan,
)

ENTRY_WIDTHS = [17 * mm, 10 * mm, 54 * mm, 22 * mm, 17 * mm, 17 * mm, 17 * mm, 20 * mm]
ENTRY_ALIGNS = ["L", "R", "L", "L", "R", "R", "R", "R"]


def entry_header():
    return [_("Date"), _("No."), _("Memo"), _("Accounts"), _("Cash in"), _("Cash out"),
            _("Advance settled"), _("Cash balance")]


def entry_cell(row):
    """A statement entry row -> its text cells."""
    d, seq, memo, accounts, cash_in, cash_out, settled, running = row
    return (d.isoformat(), seq, memo, accounts, yuan(cash_in) if cash_in else "",
            yuan(cash_out) if cash_out else "", yuan(settled) if settled else "", yuan(running))


def _carry(data):
    """The subtotal row of the entries before an index (承前页 / 过次页)."""
    def subtotal(label, end):
        rows = data.entries[:end]
        return ("", "", label, "", yuan(sum(r[4] for r in rows)), yuan(sum(r[5] for r in rows)),
                yuan(sum(r[6] for r in rows)), yuan(rows[-1][7] if rows else data.opening_fen))
    return subtotal


def _headed(heading, flowable):
    """A heading kept on the page of what it heads."""
    return KeepTogether([heading, flowable])


def render_statement(data) -> bytes:
    s = styles()
    title = _("Community fund statement")
    period = _("%(start)s to %(end)s", start=data.date_from.isoformat(), end=data.date_to.isoformat())
    generated = _("Generated %(when)s by %(who)s", when=datetime_local(data.generated_at),
                  who=data.generated_by)
    doc = ReportDocument(title=f"{data.community_name} {title} {period}",
                         heading=f"{data.community_name} · {title} · {period}", footer=generated,
                         author=data.generated_by)
    story = [Paragraph(escape(f"{data.community_name} {title}"), s["title"]),
             Paragraph(escape(period) + "<br/>" + escape(generated), s["subtitle"]),
             _entity_line(data.community_name)]

    # The cash summary with the capital numerals: money held is cash and bank only.
    summary = [[_("Item"), _("Amount (yuan)"), _("In capital numerals")],
               [_("Opening cash and bank deposits"), yuan(data.opening_fen), capital_yuan(data.opening_fen)],
               [_("Cash received"), yuan(data.cash_in_fen), capital_yuan(data.cash_in_fen)],
               [_("Cash paid"), yuan(data.cash_out_fen), capital_yuan(data.cash_out_fen)],
               [_("Closing cash and bank deposits"), yuan(data.closing_fen), capital_yuan(data.closing_fen)]]
    advances = [[_("Grant advances held by teams"), _("At the start"), _("At the end")],
                [_("Tranches paid to teams, not yet settled by approved claims or refunds"),
                 yuan(data.advances_start_fen), yuan(data.advances_end_fen)]]
    story += [_headed(Paragraph(escape(_("Cash summary")), s["heading"]),
                      table(summary, [52 * mm, 32 * mm, 90 * mm], right_from=1, bold_rows=(4,))),
              Spacer(1, 2 * mm),
              table(advances, [110 * mm, 32 * mm, 32 * mm], right_from=1)]

    # Statement of activities (业务活动表).
    rows = [[_("Item"), _("Unrestricted"), _("Restricted"), _("Total")], [_("I. Income"), "", "", ""]]
    for _code, name, unrestricted, restricted in data.income:
        rows.append(["  " + str(name), yuan(unrestricted), yuan(restricted), yuan(unrestricted + restricted)])
    rows.append([_("Total income"), yuan(data.income_unrestricted), yuan(data.income_restricted),
                 yuan(data.income_total)])
    total_income_row = len(rows) - 1
    rows.append([_("II. Expenses"), "", "", ""])
    for code, name, amount in data.expenses:
        label = ("    " if code.startswith("5101") else "  ") + str(name)
        if code == "510101":
            programme = sum(a for c, _n, a in data.expenses if c.startswith("5101"))
            rows.append(["  " + _("Programme costs"), yuan(programme), "", yuan(programme)])
        rows.append([label, yuan(amount), "", yuan(amount)])
    rows.append([_("Total expenses"), yuan(data.expense_total), "", yuan(data.expense_total)])
    total_expense_row = len(rows) - 1
    rows.append([_("III. Released from restriction"), yuan(data.released_fen), yuan(-data.released_fen),
                 "0.00"])
    change_u = data.income_unrestricted - data.expense_total + data.released_fen
    change_r = data.income_restricted - data.released_fen
    rows.append([_("IV. Change in net assets"), yuan(change_u), yuan(change_r), yuan(change_u + change_r)])
    story.append(_headed(Paragraph(escape(_("Statement of activities")), s["heading"]),
                         table(rows, [74 * mm, 33 * mm, 33 * mm, 34 * mm],
                               bold_rows=(total_income_row, total_expense_row, len(rows) - 1))))

    # Expenses by grant or project, and restricted sub-funds.
    projects = [[_("Grant or project"), _("Expenses")]] + [
        [p or _("(general)"), yuan(a)] for p, a in data.by_project] + [[_("Total"), yuan(data.expense_total)]]
    subfunds = [[_("Restricted fund"), _("Balance at the end")]] + [
        [str(n), yuan(b)] for n, b in data.subfunds] + [[_("Total"), yuan(sum(b for _n, b in data.subfunds))]]
    story += [_headed(Paragraph(escape(_("Expenses by grant or project")), s["heading"]),
                      table(projects, [120 * mm, 54 * mm], bold_rows=(len(projects) - 1,))),
              _headed(Paragraph(escape(_("Restricted sub-funds")), s["heading"]),
                      table(subfunds, [120 * mm, 54 * mm], bold_rows=(len(subfunds) - 1,)))]

    # Notes appended from plain data (the donated-services note, for one).
    for note_title, paragraphs in data.notes:
        story.append(KeepTogether([Paragraph(escape(note_title), s["heading"])]
                                  + [Paragraph(escape(p), s["body"]) for p in paragraphs]))

    # Every entry in date order with a running cash balance; 承前页 / 过次页 at page breaks.
    totals = _carry(data)(_("Totals"), len(data.entries))
    story += [CondPageBreak(40 * mm),
              Paragraph(escape(_("Entries (%(count)s)", count=len(data.entries))), s["heading"]),
              LedgerRows(entry_header(), data.entries, ENTRY_WIDTHS, ENTRY_ALIGNS, cells=entry_cell,
                         carry=_carry(data))]

    # Chain hash and signatures.
    if data.chain_hash:
        chain = _("Ledger chain hash at the period's end (entry %(seq)s): %(hash)s",
                  seq=data.chain_seq, hash=data.chain_hash)
    else:
        chain = _("No entry is dated on or before the period's end.")
    head = _("Ledger head when generated (entry %(seq)s): %(hash)s", seq=data.head_seq, hash=data.head_hash)
    # The totals row travels with the signatures, so no page holds the signatures alone.
    story.append(KeepTogether([LedgerRows(totals, [], ENTRY_WIDTHS, ENTRY_ALIGNS), Spacer(1, 6 * mm),
                               Paragraph(escape(chain), s["small"]), Paragraph(escape(head), s["small"]),
                               Spacer(1, 4 * mm), signature_block(174 * mm)]))
    return doc.render(story)


def _entity_line(name):
    """编制单位 … 单位：元, under the title."""
    line = Table([[_("Reporting entity: %(name)s", name=name), _("Unit: yuan")]],
                 colWidths=[120 * mm, 54 * mm])
    line.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font_name()), ("FONTSIZE", (0, 0), (-1, -1), 9),
                              ("ALIGN", (1, 0), (1, 0), "RIGHT"), ("LEFTPADDING", (0, 0), (0, 0), 0),
                              ("RIGHTPADDING", (1, 0), (1, 0), 0)]))
    return line


def signature_block(width):
    """单位负责人 / 财务负责人 / 制表人, each with a line to sign on, and room for the seal."""
    cells = [_("Head of the organisation:"), "", _("Head of finance:"), "", _("Prepared by:"), "",
             _("(Seal)")]
    fixed = [25 * mm, 0, 22 * mm, 0, 16 * mm, 0, 18 * mm]
    line = (width - sum(fixed)) / 3
    sig = Table([cells], colWidths=[w or line for w in fixed], rowHeights=[12 * mm])
    sig.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font_name()), ("FONTSIZE", (0, 0), (-1, -1), 9),
                             ("LINEBELOW", (1, 0), (1, 0), 0.5, colors.black),
                             ("LINEBELOW", (3, 0), (3, 0), 0.5, colors.black),
                             ("LINEBELOW", (5, 0), (5, 0), 0.5, colors.black),
                             ("ALIGN", (6, 0), (6, 0), "CENTER"),
                             ("TEXTCOLOR", (6, 0), (6, 0), colors.HexColor("#888888")),
                             ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return sig


def render_receipt(donation, community, *, purpose_name, method_name, generated_by) -> bytes:
    """A donation receipt (捐赠收据): number, donor, amount in figures and capitals,
    restriction, date, and a box for the signature and stamp."""
    s = styles()
    title = _("Donation receipt")
    doc = ReportDocument(title=f"{title} {donation.receipt_no}", heading=f"{community.name} · {title}",
                         footer=_("Generated by %(who)s", who=generated_by))
    donor = donation.donor_name or _("Anonymous donor")
    rows = [
        [_("Receipt number"), donation.receipt_no],
        [_("Donor"), donor],
        [_("Amount"), "¥" + yuan(donation.amount_fen)],
        [_("Amount in capital numerals"), _("RMB %(amount)s", amount=capital_yuan(donation.amount_fen))],
        [_("Restricted to"), purpose_name or _("Unrestricted")],
        [_("Payment method"), method_name],
        [_("Received on"), format_date(donation.received_on, "long")],
        [_("Recipient"), _("%(community)s community fund", community=community.name)],
    ]
    table = Table([[Paragraph(escape(a), s["body"]), Paragraph(escape(b), s["body"])] for a, b in rows],
                  colWidths=[45 * mm, 129 * mm])
    # Every Table names the font, or ReportLab references an unembedded Helvetica.
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font_name()),
                               ("GRID", (0, 0), (-1, -1), 0.5, GRID), ("BACKGROUND", (0, 0), (0, -1), SHADE),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    stamp = Table([[Paragraph(escape(_("Signature and stamp")), s["small"]), ""]],
                  colWidths=[60 * mm, 114 * mm], rowHeights=[35 * mm])
    stamp.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font_name()),
                               ("BOX", (0, 0), (0, 0), 0.8, colors.black),
                               ("VALIGN", (0, 0), (0, 0), "TOP")]))
    thanks = _("Thank you for supporting the community. This receipt acknowledges the donation above, "
               "recorded in the community fund's ledger.")
    return doc.render([Paragraph(escape(f"{community.name} {title}"), s["title"]), Spacer(1, 4 * mm), table,
                       Spacer(1, 6 * mm), Paragraph(escape(thanks), s["body"]), Spacer(1, 8 * mm), stamp])
