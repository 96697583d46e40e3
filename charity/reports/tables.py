"""Table styles of every PDF: the grid and shade colours, a styled platypus table for
short tables, and :class:`LedgerRows` for long lists.

:class:`LedgerRows` draws fixed-height rows straight on the canvas and splits at page
ends, so time grows linearly with the number of rows (one platypus ``Table`` of every row
grows quadratically)."""

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Table, TableStyle

from charity.reports.document import font_name

GRID = colors.HexColor("#999999")
SHADE = colors.HexColor("#eef2f5")


def table(rows, widths, *, header=True, right_from=1, bold_rows=()):
    """A grid table in the CJK font: the header row (repeated on every page) and the
    ``bold_rows`` (totals) shaded, columns from ``right_from`` on aligned right."""
    font = font_name()
    grid = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
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
    grid.setStyle(TableStyle(style))
    return grid


class LedgerRows(Flowable):
    """Rows of text in fixed columns, drawn directly on the canvas; splits at the page
    end and repeats the header. ``rows`` is shared between the parts (no copying).

    With ``carry`` (a function of an end index returning the cells of a subtotal row of
    ``rows[:end]``, given the label to print), a part that goes on over the page ends with
    a "carried forward" row (过次页) and the next part starts with "brought forward"
    (承前页), as a paper ledger does."""

    def __init__(self, header, rows, widths, aligns, *, start=0, end=None, size=7.5, row_height=11,
                 cells=None, carry=None, carried_on=False):
        super().__init__()
        self.header, self.rows, self.widths, self.aligns = header, rows, widths, aligns
        #: Turns a row into its text cells when drawn (so no second list of every row is kept).
        self.cells = cells
        self.start, self.end = start, len(rows) if end is None else end
        self.size, self.row_height = size, row_height
        self.carry = carry
        #: This part ends with a carried-forward row (the rows go on on the next page).
        self.carried_on = carried_on
        self.width = sum(widths)

    @property
    def _brought(self):
        return self.carry is not None and self.start > 0

    def _extra(self):
        return int(self._brought) + int(self.carried_on)

    def _height(self, count):
        return (count + 1 + self._extra()) * self.row_height

    def wrap(self, available_width, available_height):
        return self.width, self._height(self.end - self.start)

    def split(self, available_width, available_height):
        reserved = int(self._brought) + (1 if self.carry is not None else 0)
        fit = int(available_height // self.row_height) - 1 - reserved
        count = self.end - self.start
        if fit + (1 if self.carry is not None else 0) >= count + (1 if self.carried_on else 0):
            return [self]
        if fit < 1:
            return []
        cut = self.start + fit

        def make(s, e, carried_on):
            return LedgerRows(self.header, self.rows, self.widths, self.aligns, start=s, end=e,
                              size=self.size, row_height=self.row_height, cells=self.cells, carry=self.carry,
                              carried_on=carried_on)

        return [make(self.start, cut, self.carry is not None), make(cut, self.end, self.carried_on)]

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
        lines = []
        if self._brought:
            lines.append((self.carry(_("Brought forward"), self.start), True))
        lines += [(self.cells(self.rows[i]) if self.cells else self.rows[i], False)
                  for i in range(self.start, self.end)]
        if self.carried_on:
            lines.append((self.carry(_("Carried forward"), self.end), True))
        for cells, shaded in lines:
            y -= self.row_height
            if shaded:
                canvas.setFillColor(SHADE)
                canvas.rect(0, y, self.width, self.row_height, stroke=0, fill=1)
                canvas.setFillColor(colors.black)
            self._row(canvas, font, cells, y)
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
