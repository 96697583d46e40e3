"""Building blocks of every PDF the app prints: the page (:class:`ReportDocument`: header,
footer, "第 3 页 / 共 12 页"), the embedded CJK font and paragraph styles, table styles
(:func:`table`, :class:`LedgerRows`, ``GRID``, ``SHADE``) and amounts in figures and
capital numerals (:func:`yuan`, :func:`capital_yuan`).

A PDF module of a domain builds plain data into flowables with these and nothing else
shared; see ``charity/fund/pdf.py`` for an example."""

from charity.reports.document import (
    BUNDLED_FONT,
    ReportDocument,
    escape,
    font_name,
    page_label_parts,
    styles,
)
from charity.reports.numerals import capital_yuan, yuan
from charity.reports.tables import GRID, SHADE, LedgerRows, table

__all__ = ["BUNDLED_FONT", "GRID", "SHADE", "LedgerRows", "ReportDocument", "capital_yuan", "escape",
           "font_name", "page_label_parts", "styles", "table", "yuan"]
