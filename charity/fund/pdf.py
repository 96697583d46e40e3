"""Fund statement and donation receipt PDFs, drawn from plain data.

The statement's entry list is a :class:`LedgerRows` flowable that draws fixed-height rows
straight on the canvas and splits at page ends, so time grows linearly with the number
of entries (one platypus ``Table`` of every row grows quadratically). ``bench/`` measures it.
"""

from flask_babel import format_date
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from charity.formatting import datetime_local, money
from charity.fund.numerals import capital_yuan
from charity.pdf import ReportDocument, escape, font_name, styles

GRID = colors.HexColor("#999999")
SHADE = colors.HexColor("#eef2f5")


def yuan(fen):
    return money(fen, symbol="")


def _table(rows, widths, *, header=True, right_from=1, bold_rows=()):
    font = font_name()
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("LEADING", (0, 0), (-1, -1), 11),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("ALIGN", (right_from, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    for r in bold_rows:
        style.append(("BACKGROUND", (0, r), (-1, r), SHADE))
    table.setStyle(TableStyle(style))
    return table


class LedgerRows(Flowable):
    """Rows of text in fixed columns, drawn directly on the canvas; splits at the page
    end and repeats the header. ``rows`` is shared between the parts (no copying)."""

    def __init__(self, header, rows, widths, aligns, *, start=0, end=None, size=7.5, row_height=11,
                 cells=None):
        super().__init__()
        self.header, self.rows, self.widths, self.aligns = header, rows, widths, aligns
        #: Turns a row into its text cells when drawn (so no second list of every row is kept).
        self.cells = cells
        self.start, self.end = start, len(rows) if end is None else end
        self.size, self.row_height = size, row_height
        self.width = sum(widths)

    def _height(self, count):
        return (count + 1) * self.row_height

    def wrap(self, available_width, available_height):
        return self.width, self._height(self.end - self.start)

    def split(self, available_width, available_height):
        fit = int(available_height // self.row_height) - 1
        count = self.end - self.start
        if fit >= count:
            return [self]
        if fit < 1:
            return []
        cut = self.start + fit
        make = lambda s, e: LedgerRows(self.header, self.rows, self.widths, self.aligns,  # noqa: E731
                                       start=s, end=e, size=self.size, row_height=self.row_height,
                                       cells=self.cells)
        return [make(self.start, cut), make(cut, self.end)]

    def draw(self):
        canvas = self.canv
        font = font_name()
        height = self._height(self.end - self.start)
        canvas.setFont(font, self.size)
        canvas.setFillColor(SHADE)
        canvas.rect(0, height - self.row_height, self.width, self.row_height, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        canvas.setStrokeColor(GRID)
        canvas.setLineWidth(0.3)
        self._row(canvas, font, self.header, height - self.row_height)
        y = height - self.row_height
        for index in range(self.start, self.end):
            y -= self.row_height
            row = self.rows[index]
            self._row(canvas, font, self.cells(row) if self.cells else row, y)
            canvas.line(0, y, self.width, y)
        canvas.line(0, height - self.row_height, self.width, height - self.row_height)

    def _row(self, canvas, font, cells, y):
        x = 0
        baseline = y + (self.row_height - self.size) / 2 + 1
        for text, width, align in zip(cells, self.widths, self.aligns, strict=True):
            text = "" if text is None else str(text)
            if align == "R":
                canvas.drawRightString(x + width - 2, baseline, text)
            else:
                canvas.drawString(x + 2, baseline, _clip(text, font, self.size, width - 4))
            x += width


def _clip(text, font, size, width):
    """Text cut with an ellipsis to fit ``width`` (a memo is in full in the exports)."""
    if len(text) * size <= width or stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


ENTRY_WIDTHS = [19 * mm, 13 * mm, 54 * mm, 30 * mm, 19 * mm, 19 * mm, 20 * mm]
ENTRY_ALIGNS = ["L", "R", "L", "L", "R", "R", "R"]


def entry_header():
    return [_("Date"), _("No."), _("Memo"), _("Accounts"), _("In"), _("Out"), _("Balance")]


def entry_cell(row):
    """A statement entry row -> its text cells."""
    d, seq, memo, accounts, cash_in, cash_out, running = row
    return (d.isoformat(), seq, memo, accounts, yuan(cash_in) if cash_in else "",
            yuan(cash_out) if cash_out else "", yuan(running))


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
             Paragraph(escape(period) + "<br/>" + escape(generated), s["subtitle"])]

    # Summary with the capital numerals.
    summary = [[_("Item"), _("Amount (yuan)"), _("In capital numerals")],
               [_("Opening balance"), yuan(data.opening_fen), capital_yuan(data.opening_fen)],
               [_("Income"), yuan(data.income_total), capital_yuan(data.income_total)],
               [_("Expenses"), yuan(data.expense_total), capital_yuan(data.expense_total)]]
    if data.other_fen:
        summary.append([_("Net assets brought in"), yuan(data.other_fen), capital_yuan(data.other_fen)])
    summary.append([_("Closing balance"), yuan(data.closing_fen), capital_yuan(data.closing_fen)])
    story += [Paragraph(escape(_("Summary")), s["heading"]),
              _table(summary, [40 * mm, 34 * mm, 100 * mm], right_from=1, bold_rows=(len(summary) - 1,))]

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
    story += [Paragraph(escape(_("Statement of activities")), s["heading"]),
              _table(rows, [74 * mm, 33 * mm, 33 * mm, 34 * mm],
                     bold_rows=(total_income_row, total_expense_row, len(rows) - 1))]

    # Expenses by grant or project, and restricted sub-funds.
    projects = [[_("Grant or project"), _("Expenses")]] + [
        [p or _("(general)"), yuan(a)] for p, a in data.by_project] + [[_("Total"), yuan(data.expense_total)]]
    subfunds = [[_("Restricted fund"), _("Balance at the end")]] + [
        [str(n), yuan(b)] for n, b in data.subfunds] + [[_("Total"), yuan(sum(b for _n, b in data.subfunds))]]
    story += [Paragraph(escape(_("Expenses by grant or project")), s["heading"]),
              _table(projects, [120 * mm, 54 * mm], bold_rows=(len(projects) - 1,)),
              Paragraph(escape(_("Restricted sub-funds")), s["heading"]),
              _table(subfunds, [120 * mm, 54 * mm], bold_rows=(len(subfunds) - 1,))]

    # Notes appended from plain data (the donated-services note, for one).
    for note_title, paragraphs in data.notes:
        story.append(KeepTogether([Paragraph(escape(note_title), s["heading"])]
                                  + [Paragraph(escape(p), s["body"]) for p in paragraphs]))

    # Every entry in date order with a running balance.
    total_in = sum(r[4] for r in data.entries)
    total_out = sum(r[5] for r in data.entries)
    story += [CondPageBreak(40 * mm),
              Paragraph(escape(_("Entries (%(count)s)", count=len(data.entries))), s["heading"]),
              LedgerRows(entry_header(), data.entries, ENTRY_WIDTHS, ENTRY_ALIGNS, cells=entry_cell),
              LedgerRows(["", "", _("Totals"), "", yuan(total_in), yuan(total_out), yuan(data.closing_fen)],
                         [], ENTRY_WIDTHS, ENTRY_ALIGNS)]

    # Chain hash and signatures.
    if data.chain_hash:
        chain = _("Ledger chain hash at the period's end (entry %(seq)s): %(hash)s",
                  seq=data.chain_seq, hash=data.chain_hash)
    else:
        chain = _("No entry is dated on or before the period's end.")
    head = _("Ledger head when generated (entry %(seq)s): %(hash)s", seq=data.head_seq, hash=data.head_hash)
    signature = [[_("Prepared by"), "", _("Reviewed by"), "", _("Audited by"), ""],
                 [_("Date"), "", _("Date"), "", _("Date"), ""]]
    sig = Table(signature, colWidths=[18 * mm, 40 * mm] * 3, rowHeights=[14 * mm, 9 * mm])
    sig.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font_name()), ("FONTSIZE", (0, 0), (-1, -1), 9),
                             ("LINEBELOW", (1, 0), (1, -1), 0.5, colors.black),
                             ("LINEBELOW", (3, 0), (3, -1), 0.5, colors.black),
                             ("LINEBELOW", (5, 0), (5, -1), 0.5, colors.black),
                             ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    story.append(KeepTogether([Spacer(1, 6 * mm), Paragraph(escape(chain), s["small"]),
                               Paragraph(escape(head), s["small"]), Spacer(1, 4 * mm), sig]))
    return doc.render(story)


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
