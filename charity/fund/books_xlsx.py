"""The financial statements and the trial balance as XLSX workbooks, laid out as the PDF
(one sheet a statement), amounts as numbers in yuan with two decimals so an auditor's
own formulas add them up. :mod:`charity.fund.books` computes every figure."""

import io
from decimal import Decimal

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

MONEY = "#,##0.00;-#,##0.00;0.00"
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_SHADE = PatternFill("solid", fgColor="EEF2F5")
_BOLD = Font(bold=True)


def _yuan(fen):
    return None if fen is None else Decimal(fen) / 100


def _sheet(workbook, title, form_no, entity, when, header_rows, widths):
    sheet = workbook.create_sheet(title[:31])
    sheet.append([title] + [""] * (len(widths) - 2) + [form_no])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Reporting entity: %(name)s", name=entity), "", when, "", _("Unit: yuan")])
    for row in header_rows:
        sheet.append(row)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    first_header = 3
    for r in range(first_header, first_header + len(header_rows)):
        for cell in sheet[r]:
            cell.font, cell.fill, cell.border = _BOLD, _SHADE, _BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return sheet


def _rows(sheet, rows, totals=()):
    start = sheet.max_row + 1
    for row in rows:
        sheet.append(row)
    for r in range(start, sheet.max_row + 1):
        for cell in sheet[r]:
            cell.border = _BOX
            if isinstance(cell.value, Decimal):
                cell.number_format = MONEY
            if r - start in totals:
                cell.fill, cell.font = _SHADE, _BOLD


def _signatures(sheet):
    sheet.append([])
    sheet.append([_("Head of the organisation:"), "", _("Head of finance:"), "", _("Prepared by:")])


def _label(line):
    return ("" if line.level == 0 else "  " * line.level) + line.label


def financial_statements_xlsx(data) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheet_data = data.sheet
    bs = _sheet(workbook, _("Balance sheet"), _("Form NPO-01"), data.community_name,
                format_date(data.period.last, "long"),
                [[_("Assets"), _("Row"), _("At the start of the year"), _("At the end of the period"),
                  _("Liabilities and net assets"), _("Row"), _("At the start of the year"),
                  _("At the end of the period")]], [44, 6, 16, 16, 44, 6, 16, 16])
    rows, totals = [], []
    for i in range(max(len(sheet_data.assets), len(sheet_data.liabilities))):
        row = []
        total = False
        for side in (sheet_data.assets, sheet_data.liabilities):
            line = side[i] if i < len(side) else None
            if line is None:
                row += [None] * 4
            else:
                row += [_label(line), line.row, _yuan(line.values[0]), _yuan(line.values[1])]
                total = total or line.total
        rows.append(row)
        if total:
            totals.append(len(rows) - 1)
    _rows(bs, rows, totals)
    _signatures(bs)

    for title, form_no, columns, lines, per_span in (
            (_("Statement of activities"), _("Form NPO-02"), data.activity_columns, data.activity_lines, 3),
            (_("Cash flow statement"), _("Form NPO-03"), data.cash_columns, data.cash_lines, 1)):
        header = [_("Item"), _("Row")]
        for column in columns:
            header += [column] + [""] * (per_span - 1)
        headers = [header]
        if per_span > 1:
            headers.append(["", ""] + [_("Unrestricted"), _("Restricted"), _("Total")] * len(columns))
        sheet = _sheet(workbook, title, form_no, data.community_name, data.period.label, headers,
                       [52, 6] + [16] * (per_span * len(columns)))
        if per_span > 1:
            for i in range(len(columns)):
                sheet.merge_cells(start_row=3, end_row=3, start_column=3 + i * per_span,
                                  end_column=2 + (i + 1) * per_span)
        _rows(sheet, [[_label(line), line.row, *(_yuan(v) for v in line.values)] for line in lines],
              [i for i, line in enumerate(lines) if line.total])
        _signatures(sheet)

    notes = workbook.create_sheet(_("Restricted sub-funds")[:31])
    notes.append([_("Purpose"), _("At the start of the year"), _("Restricted income"),
                  _("Released by spending"), _("At the end of the period")])
    for name, *figures in data.subfunds:
        notes.append([name, *(_yuan(f) for f in figures)])
    for row in notes.iter_rows(min_row=2):
        for cell in row[1:]:
            cell.number_format = MONEY
    notes.column_dimensions["A"].width = 24
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


#: The trial balance's columns; the opening-balance import reads the same layout.
TRIAL_HEADER = (_l("Code"), _l("Account"), _l("Opening debit"), _l("Opening credit"), _l("Debit this period"),
                _l("Credit this period"), _l("Closing debit"), _l("Closing credit"))


def trial_balance_xlsx(data) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Trial balance")[:31]
    period = _("%(start)s to %(end)s", start=data.first.isoformat(), end=data.last.isoformat())
    sheet.append([_("Trial balance"), "", period])
    sheet.append([_("Reporting entity: %(name)s", name=data.community_name), "", "", "", "", "", "",
                  _("Unit: yuan")])
    sheet.append([str(text) for text in TRIAL_HEADER])
    for cell in sheet[3]:
        cell.font, cell.fill, cell.border = _BOLD, _SHADE, _BOX

    def split(balance):
        if balance > 0:
            return _yuan(balance), None
        return (None, _yuan(-balance)) if balance < 0 else (None, None)

    rows, totals = [], []
    for r in data.rows:
        rows.append([r.code, r.name, *split(r.opening), _yuan(r.debit), _yuan(r.credit), *split(r.closing)])
        if r.is_header:
            totals.append(len(rows) - 1)
    rows.append([None, _("Total"), _yuan(data.opening_debit), _yuan(data.opening_credit),
                 _yuan(data.total("debit")), _yuan(data.total("credit")), _yuan(data.closing_debit),
                 _yuan(data.closing_credit)])
    totals.append(len(rows) - 1)
    _rows(sheet, rows, totals)
    for index, width in enumerate([10, 30, 16, 16, 16, 16, 16, 16], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
