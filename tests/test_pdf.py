"""The shared PDF page: embedded CJK font, escaped text, "第 N 页 / 共 M 页"."""

import io

import pypdf
from reportlab.platypus import Paragraph

from charity.reports import ReportDocument, escape, styles


def _fonts(pdf_bytes):
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile2", "/FontFile3"))
    return reader, fonts


def _render(app, paragraphs, locale="zh"):
    with app.test_request_context(headers={"Accept-Language": locale}):
        from flask import session
        session["language"] = locale
        body = styles()["body"]
        doc = ReportDocument(title="资源服务清单", heading="东怡社区 · 资源服务清单",
                             footer="生成于 2026-11-29")
        return doc.render([Paragraph(text, body) for text in paragraphs])


def test_every_font_in_a_report_is_embedded_and_chinese_is_text(app):
    pdf = _render(app, ["爱心商家资源服务清单"] + [f"第 {i} 行" for i in range(120)])
    reader, fonts = _fonts(pdf)
    assert fonts and all(fonts.values()), fonts
    assert any("WenQuanYi" in name for name in fonts)
    assert "爱心商家资源服务清单" in reader.pages[0].extract_text()


def test_page_numbers_give_the_page_and_the_total(app):
    pdf = _render(app, [f"第 {i} 行" for i in range(200)])
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    total = len(reader.pages)
    assert total > 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text().replace(" ", "").replace("\n", "")
        assert f"第{number}页/共{total}页" in text


def test_markup_and_very_long_words_print_as_text(app):
    name = "<b>&amp; 商家" + "长" * 200 + "x" * 200
    pdf = _render(app, [escape(name)])
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", "")
    assert "<b>&amp; 商家" in text
    assert text.count("长") == 200


def test_escape_leaves_no_markup():
    assert escape('<b>A & "B"</b>') == '&lt;b&gt;A &amp; "B"&lt;/b&gt;'
    assert escape(None) == ""
