"""The funding agreement and the grant statement PDFs: the text auditors read, the
embedded CJK font, totals that reconcile with the grant."""

import io
import os
from datetime import timedelta

import pytest
from pypdf import PdfReader

from charity.extensions import db
from charity.grants import claims, documents
from charity.grants.pdf_award import render_agreement, render_grant_statement
from charity.models_base import local_today, utcnow
from charity.projects import services as projects
from tests.access_teams import png_bytes
from tests.grants_award_helpers import awarded_grant, logged_activity, pass_midterm, pay
from tests.grants_helpers import user


def _text(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    return "".join(page.extract_text() for page in reader.pages), reader


def _fonts(reader):
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


def _keep(name, pdf):
    """CHARITY_KEEP_PDF=dir keeps the PDFs to look at (rendered to PNG by hand)."""
    folder = os.environ.get("CHARITY_KEEP_PDF")
    if folder:
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(pdf)


@pytest.fixture
def grant(app, world):
    with app.app_context():
        grant = awarded_grant(world)
        yield grant
        db.session.rollback()


def test_agreement_pdf_has_terms_budget_plan_and_signatures(grant):
    pdf = render_agreement(documents.agreement_data(grant), generated_by="管理员", generated_at=utcnow())
    _keep("agreement.pdf", pdf)
    text, reader = _text(pdf)
    for expected in (grant.agreement_no, "小暖芽亲子志愿者服务队", "亲子共读", "活动物资", "3,000.00",
                     "1,500.00", "900.00", "600.00", "叁仟元整", "王队长", "李主任"):
        assert expected in text, expected
    assert all("WenQuanYi" in f for f in _fonts(reader)), _fonts(reader)


def test_unsigned_agreement_leaves_the_signature_lines_blank(app, world):
    with app.app_context():
        grant = awarded_grant(world, signed=False)
        text, _reader = _text(render_agreement(documents.agreement_data(grant), generated_by="管理员",
                                               generated_at=utcnow()))
        assert "王队长" not in text and "________________" in text
        db.session.rollback()


def test_grant_statement_reconciles_and_lists_activities(grant, world):
    pay(grant, 1)
    activity = logged_activity(world, grant, title="绘本共读进社区", submit=False)
    projects.add_evidence(activity, data=png_bytes(), filename="合影.png", actor=user("leader"))
    projects.transition_activity(activity, "submit", actor=user("leader"))
    projects.verify_activity(activity, actor=user("admin"))
    pass_midterm(grant, activity_ids=[activity.id])
    pay(grant, 2)
    claim = claims.submit_claim(grant, budget_line_id=grant.application.budget_lines[0].id, description="购买绘本",
                                amount_fen=1_234_56, spent_on=local_today() - timedelta(days=1),
                                receipts=[(png_bytes(), "发票.png")], actor=user("leader"))
    claims.decide_claim(claim, approve=True, idempotency_key="pdf-c1", actor=user("admin"))
    db.session.commit()
    pdf = render_grant_statement(documents.statement_data(grant), generated_by="审计员", generated_at=utcnow())
    _keep("statement.pdf", pdf)
    text, reader = _text(pdf)
    for expected in (grant.agreement_no, "2,400.00", "1,234.56", "1,165.44", "购买绘本", "绘本共读进社区",
                     "600.00"):
        assert expected in text, expected
    assert all("WenQuanYi" in f for f in _fonts(reader))
