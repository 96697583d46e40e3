"""The resource service list PDF: every active partner and service as text, the font
embedded, markup and very long names printed as text, versions frozen when approved."""

import io
import shutil
import subprocess

import pypdf
import pytest

from charity.extensions import db
from charity.partners.models import Partner
from tests.fixtures_partners import make_meeting_in, make_partner_in, make_service_in


def _text(pdf):
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


@pytest.fixture
def listed(app, world):
    ids = {}
    ids["barber"] = make_partner_in(app, world.a, "东怡快剪理发店")
    ids["kid"] = make_partner_in(app, world.a, "东怡社区幼儿园", kind="kindergarten", is_charity_partner=False,
                                 partner_signed_on=None, phone="02885550101")
    ids["empty"] = make_partner_in(app, world.a, "尚无服务的院落", kind="courtyard")
    ids["gone"] = make_partner_in(app, world.a, "已退出的商家", status="left")
    make_service_in(app, ids["barber"], "爱心义剪", points_price=50)
    make_service_in(app, ids["barber"], "停办的服务", active=False)
    make_service_in(app, ids["kid"], "亲子绘本课堂", category="公益课堂", target_groups=["children"])
    make_service_in(app, ids["gone"], "退出商家的服务")
    return ids


def test_text_holds_every_active_partner_and_service_and_nothing_else(app, world, login_as, listed):
    r = login_as("auditor").get("/partners/resource-list.pdf?version=draft")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = _text(r.get_data())
    for name in ("东怡快剪理发店", "东怡社区幼儿园", "尚无服务的院落", "爱心义剪", "亲子绘本课堂"):
        assert name in text
    for name in ("已退出的商家", "停办的服务", "退出商家的服务"):
        assert name not in text
    assert "爱心商家资源服务清单" in text or "resource service list" in text
    assert "138****0001" in text and "13880020001" not in text  # the auditor sees phones masked


def test_admin_copy_has_phones_in_full(app, world, login_as, listed):
    text = _text(login_as("admin").get("/partners/resource-list.pdf?version=draft").get_data())
    assert "13880020001" in text


@pytest.mark.skipif(not shutil.which("pdffonts"), reason="poppler-utils not installed")
def test_pdffonts_shows_the_font_embedded(app, world, login_as, listed, tmp_path):
    path = tmp_path / "list.pdf"
    path.write_bytes(login_as("volunteer").get("/partners/resource-list.pdf").get_data())
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), out
    assert any("WenQuanYi" in row for row in rows)


def test_markup_and_a_200_character_name_print_as_text(app, world, login_as):
    tricky = "<b>&amp;" + "很" * 192
    assert len(tricky) == 200
    partner = make_partner_in(app, world.a, tricky, address="<i>街</i> & 巷")
    make_service_in(app, partner, "<script>alert(1)</script>" + "长" * 150)
    r = login_as("admin").get("/partners/resource-list.pdf?version=draft")
    assert r.status_code == 200
    text = _text(r.get_data())
    assert "<b>&amp;" in text and text.count("很") == 192
    assert "<i>街</i> & 巷" in text and "<script>alert(1)</script>" in text


def test_approved_version_is_frozen_and_the_draft_is_marked(app, world, login_as, listed):
    meeting = make_meeting_in(app, world.a)
    council = login_as("council")
    assert council.submit(f"/needs/meetings/{meeting}/approve-list").status_code == 302
    # approving again at the same meeting is refused
    council.submit(f"/needs/meetings/{meeting}/approve-list")
    from charity.partners.models import ResourceListVersion
    from tests.conftest import count_rows

    assert count_rows(app, ResourceListVersion) == 1
    with app.app_context():
        db.session.get(Partner, listed["barber"]).name = "改名后的理发店"
        db.session.commit()
    auditor = login_as("auditor")
    approved = _text(auditor.get("/partners/resource-list.pdf?version=1").get_data())
    assert "东怡快剪理发店" in approved and "改名后的理发店" not in approved
    assert "2026年10月15日" in approved
    latest = _text(auditor.get("/partners/resource-list.pdf").get_data())
    assert "东怡快剪理发店" in latest
    draft = _text(auditor.get("/partners/resource-list.pdf?version=draft").get_data())
    assert "改名后的理发店" in draft and "东怡快剪理发店" not in draft
    assert "草稿" in draft or "DRAFT" in draft
    assert auditor.get("/partners/resource-list.pdf?version=7").status_code == 404
    assert auditor.get("/partners/resource-list.pdf?version=x1").status_code == 404
    assert login_as("other_admin").get("/partners/resource-list.pdf?version=1").status_code == 404


def test_command_line_prints_the_list(app, world, listed, tmp_path):
    out = tmp_path / "list.pdf"
    result = app.test_cli_runner().invoke(args=["report", "resource-list", "--community", "dongyi",
                                                "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = _text(out.read_bytes())
    assert "东怡快剪理发店" in text and "13880020001" not in text
    result = app.test_cli_runner().invoke(args=["report", "resource-list", "--community", "nowhere",
                                                "-o", str(out)])
    assert result.exit_code != 0


def test_minutes_print(app, world, login_as):
    meeting = make_meeting_in(app, world.a, minutes="<b>讨论</b>\n第二行")
    r = login_as("auditor").get(f"/needs/meetings/{meeting}/minutes.pdf")
    assert r.status_code == 200
    text = _text(r.get_data())
    assert "第三季度慈善联席会" in text and "<b>讨论</b>" in text
