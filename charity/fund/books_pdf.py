"""The financial statements and the trial balance as PDF, in the layouts of
民间非营利组织会计制度: each statement on its own landscape page with its form number
(会民非01表…), the reporting entity (编制单位), the period and 单位：元 at the head, and the
signatures of 单位负责人, 财务负责人 and 制表人 with room for the seal at the foot.
:mod:`charity.fund.books` computes every figure; this module only draws."""

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from charity.formatting import datetime_local
from charity.fund.pdf import signature_block
from charity.reports import GRID, SHADE, ReportDocument, escape, font_name, styles, yuan

PAGE = landscape(A4)
WIDTH = PAGE[0] - 36 * mm


def _amount(value):
    return "" if value is None else yuan(value)


def _grid(rows, widths, *, header_rows=1, totals=(), spans=(), left_cols=(0,), centre_cols=(), compact=False):
    """A statement grid: header rows shaded and centred (their text wraps), totals shaded,
    figures right-aligned. ``compact`` fits the 35 lines of 现金流量表 on one page."""
    font = font_name()
    header_style = ParagraphStyle("statement_header", parent=styles()["cell"], alignment=1, fontSize=8.5,
                                  leading=10)
    rows = [[Paragraph(escape(c), header_style) if isinstance(c, str) and c else c for c in row]
            for row in rows[:header_rows]] + rows[header_rows:]
    grid = Table(rows, colWidths=widths, repeatRows=header_rows)
    padding = 0.9 if compact else 1.6
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("LEADING", (0, 0), (-1, -1), 9 if compact else 10.5),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE),
        ("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER"),
    ]
    for col in left_cols:
        style.append(("ALIGN", (col, header_rows), (col, -1), "LEFT"))
    for col in centre_cols:
        style.append(("ALIGN", (col, header_rows), (col, -1), "CENTER"))
    for row in totals:
        style.append(("BACKGROUND", (0, row), (-1, row), SHADE))
    style += [("SPAN", *span) for span in spans]
    grid.setStyle(TableStyle(style))
    return grid


def _head(title, form_no, entity, when):
    """Title, form number, then 编制单位 / the date or period / 单位：元 on one line."""
    s = styles()
    font = font_name()
    title_row = Table([["", Paragraph(escape(title), s["title"]), form_no]],
                      colWidths=[50 * mm, WIDTH - 100 * mm, 50 * mm])
    title_row.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
                                   ("ALIGN", (2, 0), (2, 0), "RIGHT"),
                                   ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    info = Table([[_("Reporting entity: %(name)s", name=entity), when, _("Unit: yuan")]],
                 colWidths=[WIDTH / 3] * 3)
    info.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
                              ("ALIGN", (1, 0), (1, 0), "CENTER"), ("ALIGN", (2, 0), (2, 0), "RIGHT"),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return [title_row, info]


def signatures():
    """单位负责人 / 财务负责人 / 制表人 across the landscape page, with room for the seal."""
    return signature_block(WIDTH)


def _label(line):
    indent = "" if line.level == 0 else "\u3000" * line.level
    return indent + line.label


def balance_sheet_story(data):
    sheet = data.sheet
    when = format_date(data.period.last, "long")
    header = [_("Assets"), _("Row"), _("At the start of the year"), _("At the end of the period"),
              _("Liabilities and net assets"), _("Row"), _("At the start of the year"),
              _("At the end of the period")]
    rows = [header]
    totals = []
    height = max(len(sheet.assets), len(sheet.liabilities))
    for i in range(height):
        left = sheet.assets[i] if i < len(sheet.assets) else None
        right = sheet.liabilities[i] if i < len(sheet.liabilities) else None
        row = []
        for line in (left, right):
            if line is None:
                row += ["", "", "", ""]
            else:
                row += [_label(line), line.row or "", _amount(line.values[0]), _amount(line.values[1])]
        rows.append(row)
        if (left and left.total) or (right and right.total):
            totals.append(len(rows) - 1)
    widths = [62 * mm, 10 * mm, 28 * mm, 28 * mm, 62 * mm, 10 * mm, 28 * mm, 28 * mm]
    scale = WIDTH / sum(widths)
    table = _grid(rows, [w * scale for w in widths], totals=totals, left_cols=(0, 4), centre_cols=(1, 5))
    return [*_head(_("Balance sheet"), _("Form NPO-01"), data.community_name, when), table,
            Spacer(1, 4 * mm), signatures()]


def _two_span_table(lines, columns, per_span, titles, compact=False):
    """A statement with 项目 | 行次 | (span one: per_span columns) | (span two: …)."""
    first = [_("Item"), _("Row")]
    for column in columns:
        first += [column] + [""] * (per_span - 1)
    rows = [first]
    spans = []
    header_rows = 1
    if per_span > 1:
        rows.append(["", ""] + list(titles) * len(columns))
        header_rows = 2
        spans = [((0, 0), (0, 1)), ((1, 0), (1, 1))]
        spans += [((2 + i * per_span, 0), (1 + (i + 1) * per_span, 0)) for i in range(len(columns))]
    totals = []
    for line in lines:
        rows.append([_label(line), line.row or "", *(_amount(v) for v in line.values)])
        if line.total:
            totals.append(len(rows) - 1)
    numbers = per_span * len(columns)
    label_width = 86 * mm if per_span > 1 else 130 * mm
    widths = [label_width, 10 * mm] + [(WIDTH - label_width - 10 * mm) / numbers] * numbers
    return _grid(rows, widths, header_rows=header_rows, totals=totals, spans=spans, centre_cols=(1,),
                 compact=compact)


def activities_story(data):
    period = data.period
    when = period.label
    titles = (_("Unrestricted"), _("Restricted"), _("Total"))
    table = _two_span_table(data.activity_lines, data.activity_columns, 3, titles)
    return [*_head(_("Statement of activities"), _("Form NPO-02"), data.community_name, when), table,
            Spacer(1, 4 * mm), signatures()]


def cash_flow_story(data):
    table = _two_span_table(data.cash_lines, data.cash_columns, 1, (), compact=True)
    return [*_head(_("Cash flow statement"), _("Form NPO-03"), data.community_name, data.period.label), table,
            Spacer(1, 3 * mm), signatures()]


def notes_story(data):
    s = styles()
    story = [Paragraph(escape(_("Notes to the financial statements")), s["title"]), Spacer(1, 2 * mm)]
    basis = _("These statements follow the Accounting System for Non-profit Organisations. Every figure is "
              "the sum of the journal lines of the community fund, in yuan to the fen; the balance sheet's "
              "start-of-year figures include the opening balances brought in when the books were set up.")
    story += [Paragraph(escape(_numbered(1, _("Basis of preparation"))), s["heading"]),
              Paragraph(escape(basis), s["body"])]

    story.append(Paragraph(escape(_numbered(2, _("Restricted sub-funds"))), s["heading"]))
    if data.subfunds:
        rows = [[_("Purpose"), _("At the start of the year"), _("Restricted income"),
                 _("Released by spending"), _("At the end of the period")]]
        rows += [[name, yuan(a), yuan(i), yuan(r), yuan(e)] for name, a, i, r, e in data.subfunds]
        rows.append([_("Total"), *(yuan(sum(row[k] for row in data.subfunds)) for k in range(1, 5))])
        story.append(_grid(rows, [WIDTH * 0.32] + [WIDTH * 0.17] * 4, totals=(len(rows) - 1,)))
    else:
        story.append(Paragraph(escape(_("The community holds no restricted money.")), s["body"]))

    story.append(Paragraph(escape(_numbered(3, _("Grant advances held by teams"))), s["heading"]))
    advances = _("Micro-venture grant tranches paid to resident teams and not yet accounted for by approved "
                 "expense claims or refunds are receivables of the fund, not money spent: %(start)s at the "
                 "start of the year, %(end)s at the end of the period.",
                 start=yuan(data.sheet.start.of("1221")), end=yuan(data.sheet.end.of("1221")))
    story.append(Paragraph(escape(advances), s["body"]))

    for number, (title, paragraphs) in enumerate(data.notes, start=4):
        story.append(KeepTogether([Paragraph(escape(_numbered(number, title)), s["heading"])]
                                  + [Paragraph(escape(p), s["body"]) for p in paragraphs]))
    return story


def _numbered(number, title):
    """A note's heading: "3. Title" in English, "三、标题" in Chinese."""
    if get_locale().language == "zh" and number <= 10:
        return f"{'一二三四五六七八九十'[number - 1]}、{title}"
    return f"{number}. {title}"


def render_financial_statements(data, *, generated_by, generated_at) -> bytes:
    """All three statements and their notes in one landscape PDF."""
    title = _("Financial statements")
    generated = _("Generated %(when)s by %(who)s", when=datetime_local(generated_at), who=generated_by)
    doc = ReportDocument(title=f"{data.community_name} {title} {data.period.label}",
                         heading=f"{data.community_name} · {title} · {data.period.label}", footer=generated,
                         author=generated_by, pagesize=PAGE)
    story = [*balance_sheet_story(data), PageBreak(), *activities_story(data), PageBreak(),
             *cash_flow_story(data), PageBreak(), *notes_story(data)]
    return doc.render(story)


def render_trial_balance(data, *, generated_by, generated_at) -> bytes:
    """科目余额表: 期初余额, 本期发生额 and 期末余额, each as debit and credit."""
    title = _("Trial balance")
    period = _("%(start)s to %(end)s", start=data.first.isoformat(), end=data.last.isoformat())
    generated = _("Generated %(when)s by %(who)s", when=datetime_local(generated_at), who=generated_by)
    doc = ReportDocument(title=f"{data.community_name} {title} {period}",
                         heading=f"{data.community_name} · {title} · {period}", footer=generated,
                         author=generated_by, pagesize=PAGE)
    first = [_("Code"), _("Account"), _("Opening balance"), "", _("This period"), "",
             _("Closing balance"), ""]
    second = ["", "", *[_("Debit"), _("Credit")] * 3]
    rows = [first, second]
    totals = []
    for r in data.rows:
        rows.append([r.code, ("\u3000" if r.level > 1 else "") + r.name,
                     *_split(r.opening), yuan(r.debit), yuan(r.credit), *_split(r.closing)])
        if r.is_header:
            totals.append(len(rows) - 1)
    rows.append(["", _("Total"), yuan(data.opening_debit), yuan(data.opening_credit),
                 yuan(data.total("debit")), yuan(data.total("credit")), yuan(data.closing_debit),
                 yuan(data.closing_credit)])
    totals.append(len(rows) - 1)
    widths = [20 * mm, 67 * mm] + [(WIDTH - 87 * mm) / 6] * 6
    spans = [((0, 0), (0, 1)), ((1, 0), (1, 1)), ((2, 0), (3, 0)), ((4, 0), (5, 0)), ((6, 0), (7, 0))]
    table = _grid(rows, widths, header_rows=2, totals=totals, spans=spans, left_cols=(0, 1))
    note = _("Header accounts (shaded) sum their sub-accounts and are not added again in the total. "
             "Debits equal credits in every pair of columns.") if data.balanced else \
        _("Debits and credits do not agree: the ledger needs checking (flask --app charity verify-ledger).")
    s = styles()
    return doc.render([*_head(title, "", data.community_name, period), table, Spacer(1, 2 * mm),
                       Paragraph(escape(note), s["small"]), Spacer(1, 4 * mm), signatures()])


def _split(balance):
    """A debit-positive balance as (debit, credit) cells, the other blank."""
    if balance > 0:
        return yuan(balance), ""
    if balance < 0:
        return "", yuan(-balance)
    return "", ""
