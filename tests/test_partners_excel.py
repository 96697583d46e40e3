"""Excel import and export: the round trip, and bad files that write nothing."""

import io
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa

from charity.extensions import db
from charity.partners import excel
from charity.partners.models import Partner, Service
from tests.conftest import count_rows
from tests.fixtures_partners import make_partner_in, make_service_in


def _upload(client, data, name="partners.xlsx"):
    return client.post("/partners/import", data={"csrf_token": client.csrf_token(),
                                                 "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _workbook(partners=(), services=(), partner_columns=excel.PARTNER_COLUMNS,
              service_columns=excel.SERVICE_COLUMNS):
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "partners"
    sheet.append(partner_columns)
    for row in partners:
        sheet.append(row)
    sheet = wb.create_sheet("services")
    sheet.append(service_columns)
    for row in services:
        sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


GOOD_PARTNER = ["好邻居便利店", "merchant", "东怡街1号", "陈老板", "13880020005", "24 小时", "2025-04-02",
                "active", "TRUE", "2025-04-02"]
GOOD_SERVICE = ["好邻居便利店", "结对帮扶", "骑手歇脚点", "热水充电", "new_employment", "24 小时", None, 10, "TRUE"]


def _rows(app, community_id):
    with app.app_context():
        partners = db.session.scalars(sa.select(Partner).where(Partner.community_id == community_id)
                                      .order_by(Partner.name)).all()
        services = db.session.scalars(sa.select(Service).where(Service.community_id == community_id)
                                      .order_by(Service.name)).all()
        return ([(p.name, p.kind.value, p.address, p.contact_person, p.phone, p.opening_hours,
                  p.joined_on, p.status.value, p.is_charity_partner, p.partner_signed_on) for p in partners],
                [(s.partner.name, s.category.name, s.name, s.description, s.target_groups, s.schedule,
                  s.monthly_quota, s.points_price, s.active) for s in services])


def test_round_trip_into_an_empty_community(app, world, login_as, make_user):
    a = make_partner_in(app, world.a, "东怡快剪理发店")
    b = make_partner_in(app, world.a, "暂停的院落", kind="courtyard", status="paused", is_charity_partner=False,
                        partner_signed_on=None, joined_on=None, phone="028-85550101")
    make_service_in(app, a, "爱心义剪", target_groups=["elderly", "special"], points_price=50)
    make_service_in(app, a, "停办的理发", active=False, monthly_quota=None)
    make_service_in(app, b, "院坝讲座", category="公益课堂", description="多行\n说明")
    c = make_partner_in(app, world.a, '=HYPERLINK("http://x","点我")', address="=1+1")
    make_service_in(app, c, "=SUM(A1:A3)")
    exported = login_as("admin").get("/partners/export.xlsx")
    assert exported.status_code == 200
    assert exported.mimetype.endswith("spreadsheetml.sheet")
    r = _upload(login_as("other_admin"), exported.get_data())
    assert r.status_code == 302, r.get_data(as_text=True)
    assert _rows(app, world.a) == _rows(app, world.b)
    sheet = openpyxl.load_workbook(io.BytesIO(exported.get_data()))["partners"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_auditor_export_masks_phones(app, world, login_as):
    make_partner_in(app, world.a)
    wb = openpyxl.load_workbook(io.BytesIO(login_as("auditor").get("/partners/export.xlsx").get_data()))
    assert wb["partners"]["E2"].value == "138****0001"


@pytest.mark.parametrize("data,expected", [
    (_workbook(partner_columns=["名称", "类型"]), "columns"),
    (_workbook([GOOD_PARTNER[:4] + ["12345"] + GOOD_PARTNER[5:]]), "12345"),
    (_workbook([GOOD_PARTNER, GOOD_PARTNER]), "row 2"),
    (_workbook([GOOD_PARTNER], [GOOD_SERVICE, GOOD_SERVICE]), "row 2"),
    (_workbook([GOOD_PARTNER], [["无此商家"] + GOOD_SERVICE[1:]]), "无此商家"),
    (_workbook([GOOD_PARTNER[:1] + ["spaceship"] + GOOD_PARTNER[2:]]), "kind"),
    (_workbook([GOOD_PARTNER[:8] + ["TRUE", None]]), "partner_signed_on"),
    (_workbook([GOOD_PARTNER], [GOOD_SERVICE[:6] + [0, -5, "TRUE"]]), "monthly_quota"),
    (_workbook([GOOD_PARTNER], [GOOD_SERVICE[:4] + ["aliens"] + GOOD_SERVICE[5:]]), "target_groups"),
    (b"name,kind\n\xe5\xa5\xbd,merchant\n", "xlsx"),
    (b"PK\x03\x04 not really a zip", "xlsx"),
    (b"%PDF-1.4 renamed to .xlsx", "xlsx"),
])
def test_bad_files_are_reported_and_write_nothing(app, world, login_as, data, expected):
    make_partner_in(app, world.a, "已有的店")
    client = login_as("admin")
    client.submit("/language", {"language": "en", "next": "/"})
    before = (count_rows(app, Partner), count_rows(app, Service))
    r = _upload(client, data)
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "Nothing was imported" in body
    assert expected in body, body[-3000:]
    assert (count_rows(app, Partner), count_rows(app, Service)) == before


def test_a_zip_that_is_no_workbook_is_refused(app, world, login_as):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "hi")
    r = _upload(login_as("admin"), buffer.getvalue())
    assert r.status_code == 422 and count_rows(app, Partner) == 0


def test_a_very_large_file_is_refused(app, world, login_as, monkeypatch):
    # A smaller cap keeps the request under the test client's 500 KB in-memory limit
    # (above it the client spools the body to a file it never closes).
    monkeypatch.setattr(excel, "MAX_BYTES", 100 * 1024)
    client = login_as("admin")
    client.submit("/language", {"language": "en", "next": "/"})
    r = _upload(client, b"PK\x03\x04" + b"0" * (excel.MAX_BYTES + 10))
    assert r.status_code == 422 and "larger than" in r.get_data(as_text=True)
    assert count_rows(app, Partner) == 0


def test_too_many_rows_are_refused(app, world, monkeypatch, login_as):
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    rows = [[f"店{i}"] + GOOD_PARTNER[1:] for i in range(5)]
    client = login_as("admin")
    client.submit("/language", {"language": "en", "next": "/"})
    r = _upload(client, _workbook(rows))
    assert r.status_code == 422 and "More than 3 rows" in r.get_data(as_text=True)
    assert count_rows(app, Partner) == 0


def test_a_good_file_imports_every_row(app, world, login_as):
    r = _upload(login_as("admin"), _workbook([GOOD_PARTNER], [GOOD_SERVICE]))
    assert r.status_code == 302
    partners, services = _rows(app, world.a)
    assert partners[0][0] == "好邻居便利店" and partners[0][8] is True
    assert services[0][2] == "骑手歇脚点" and services[0][7] == 10


def test_missing_file_is_422(app, world, login_as):
    client = login_as("admin")
    r = client.post("/partners/import", data={"csrf_token": client.csrf_token()},
                    content_type="multipart/form-data")
    assert r.status_code == 422
