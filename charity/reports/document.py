"""The page of every PDF the app prints, and its fonts and paragraph styles.

Chinese is set in a TrueType CJK font embedded in the file (ReportLab's built-in
STSong-Light is only referenced, and prints blank where the reader lacks it). The bundled
font is WenQuanYi Micro Hei (Apache-2.0, ``charity/fonts/``); ``PDF_FONT_PATH`` may point
at another TrueType font.

:class:`ReportDocument` gives every report the same page: the community and title on top,
"generated at … by …" and "第 3 页 / 共 12 页" at the foot. The page total is drawn through
a form XObject filled in when the document is saved, so a long report is built in one
pass whatever its length.
"""

from functools import cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape as _xml_escape

from flask import current_app
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

BUNDLED_FONT = Path(__file__).parent.parent / "fonts" / "wqy-microhei.ttc"
PAGE_TOTAL_FORM = "charityPageTotal"


@cache
def _register(path: str, index: int) -> str:
    name = f"CharityCJK-{abs(hash((path, index))):x}"
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    return name


def font_name() -> str:
    """The registered name of the configured CJK font, registering it on first use."""
    path = current_app.config.get("PDF_FONT_PATH") or BUNDLED_FONT
    return _register(str(path), int(current_app.config.get("PDF_FONT_INDEX") or 0))


def escape(text) -> str:
    """Text made safe for a Paragraph: ``<b>&`` prints as written, never as markup."""
    return _xml_escape("" if text is None else str(text))


def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles in the CJK font. ``wordWrap="CJK"`` breaks lines between Chinese
    characters and inside very long words, so nothing runs off the page."""
    font = font_name()
    base = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5,
                                textColor=colors.HexColor("#444444")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "cell_right": ParagraphStyle("cell_right", parent=base, fontSize=8.5, leading=11,
                                     alignment=2),
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=21, alignment=1,
                                spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10, leading=14, alignment=1,
                                   textColor=colors.HexColor("#444444"), spaceAfter=8),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, leading=16, spaceBefore=8,
                                  spaceAfter=4),
    }


class _TotalPagesCanvas(Canvas):
    """Fills the page-total form once the last page is known."""

    def save(self):
        total = self.getPageNumber() - (0 if self._code else 1)
        if self._code:
            self.showPage()
        self.beginForm(PAGE_TOTAL_FORM)
        self.setFont(self._charity_font, 8)
        self.setFillColor(colors.HexColor("#555555"))
        self.drawString(0, 0, str(total) + page_label_parts(1)[1])
        self.endForm()
        super().save()


class ReportDocument(BaseDocTemplate):
    """An A4 report with the shared header and footer.

    ``heading`` is printed at the top of every page (usually the community name and the
    report title); ``footer`` at the bottom left (usually "generated at … by …"). Build with
    :meth:`render`, which returns the PDF bytes.
    """

    def __init__(self, *, title: str, heading: str = "", footer: str = "", author: str = "",
                 pagesize=A4, margins=(18 * mm, 18 * mm, 20 * mm, 18 * mm)):
        self._buffer = BytesIO()
        left, right, top, bottom = margins
        self.font = font_name()
        # The canvas starts in the CJK font, so no unembedded Helvetica is referenced.
        super().__init__(self._buffer, pagesize=pagesize, leftMargin=left, rightMargin=right,
                         topMargin=top, bottomMargin=bottom, title=title, author=author,
                         creator="charity app", initialFontName=self.font, initialFontSize=9,
                         initialLeading=12)
        self.heading = heading
        self.footer = footer
        frame = Frame(left, bottom, pagesize[0] - left - right, pagesize[1] - top - bottom,
                      id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._furniture)])

    def _furniture(self, canvas, doc):
        width, height = doc.pagesize
        canvas.saveState()
        canvas.setFont(self.font, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        if self.heading:
            canvas.drawString(doc.leftMargin, height - 12 * mm, self.heading)
        canvas.setStrokeColor(colors.HexColor("#bbbbbb"))
        canvas.line(doc.leftMargin, height - 13.5 * mm, width - doc.rightMargin, height - 13.5 * mm)
        y = 10 * mm
        if self.footer:
            canvas.drawString(doc.leftMargin, y, self.footer)
        # "第 3 页 / 共 12 页": the total (with what follows it) is a form filled at save.
        before = page_label_parts(canvas.getPageNumber())[0]
        x = width - doc.rightMargin - 36 * mm
        canvas.drawString(x, y, before)
        canvas.translate(x + canvas.stringWidth(before, self.font, 8), y)
        canvas.doForm(PAGE_TOTAL_FORM)
        canvas.restoreState()

    def render(self, flowables) -> bytes:
        font = self.font

        def make_canvas(*args, **kwargs):
            canvas = _TotalPagesCanvas(*args, **kwargs)
            canvas._charity_font = font
            return canvas

        self.build(flowables, canvasmaker=make_canvas)
        return self._buffer.getvalue()


def page_label_parts(number: int) -> tuple[str, str]:
    """The page label split around the total: ("第 3 页 / 共 ", " 页") in Chinese."""
    label = _("Page %(number)s of %(total)s", number=number, total="\0")
    before, _sep, after = label.partition("\0")
    return before, after
