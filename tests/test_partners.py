"""Partners and services: who sees what, forms, lists and filters."""

import sqlalchemy as sa

from charity.extensions import db
from charity.partners import services
from charity.partners.models import Partner, PartnerContact, ServiceCategory
from tests.conftest import count_rows
from tests.fixtures_partners import make_partner_in, make_service_in


def _link(app, world, partner_id, username="merchant"):
    with app.app_context():
        partner = db.session.get(Partner, partner_id)
        services.set_contacts(partner, [world.users[username]])
        db.session.commit()


def test_new_communities_get_the_default_categories(app, world):
    with app.app_context():
        names = db.session.scalars(sa.select(ServiceCategory.name)
                                   .where(ServiceCategory.community_id == world.b)
                                   .order_by(ServiceCategory.position)).all()
    assert names == services.DEFAULT_CATEGORIES


def test_a_merchant_sees_only_their_own_partner(app, world, login_as):
    own = make_partner_in(app, world.a, "自家理发店")
    other = make_partner_in(app, world.a, "隔壁维修部")
    make_service_in(app, own, "自家义剪")
    make_service_in(app, other, "隔壁修理", category="便民维修")
    _link(app, world, own)
    merchant = login_as("merchant")
    listing = merchant.get("/partners/").get_data(as_text=True)
    assert "自家理发店" in listing and "隔壁维修部" not in listing
    assert merchant.get(f"/partners/{own}").status_code == 200
    assert merchant.get(f"/partners/{other}").status_code == 404
    offered = merchant.get("/partners/services").get_data(as_text=True)
    assert "自家义剪" in offered and "隔壁修理" not in offered
    assert merchant.get("/partners/resource-list.pdf").status_code == 403


def test_volunteers_see_the_public_list_with_phones_masked(app, world, login_as):
    active = make_partner_in(app, world.a, "营业中的店")
    paused = make_partner_in(app, world.a, "暂停的店", status="paused")
    make_service_in(app, active, "在办服务")
    make_service_in(app, active, "停办服务", active=False)
    volunteer = login_as("volunteer")
    listing = volunteer.get("/partners/").get_data(as_text=True)
    assert "营业中的店" in listing and "暂停的店" not in listing
    assert "138****0001" in listing and "13880020001" not in listing
    assert volunteer.get(f"/partners/{paused}").status_code == 404
    offered = volunteer.get("/partners/services").get_data(as_text=True)
    assert "在办服务" in offered and "停办服务" not in offered
    # a status filter cannot reveal what the public list hides
    assert "暂停的店" not in volunteer.get("/partners/?status=paused").get_data(as_text=True)
    admin = login_as("admin").get("/partners/").get_data(as_text=True)
    assert "暂停的店" in admin and "13880020001" in admin


def test_another_community_sees_nothing(app, world, login_as):
    partner = make_partner_in(app, world.a, "东怡独家店")
    service = make_service_in(app, partner, "东怡独家服务")
    other = login_as("other_admin")
    assert "东怡独家店" not in other.get("/partners/").get_data(as_text=True)
    assert "东怡独家服务" not in other.get("/partners/services").get_data(as_text=True)
    assert other.get(f"/partners/{partner}").status_code == 404
    assert other.get(f"/partners/services/{service}/edit").status_code == 404
    export = other.get("/partners/export.xlsx").get_data()
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(export))
    assert wb["partners"].max_row == 1 and wb["services"].max_row == 1
    draft = other.get("/partners/resource-list.pdf?version=draft").get_data()
    import pypdf

    assert "东怡独家店" not in "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(draft)).pages)


def test_staff_add_a_partner_and_a_service_through_the_forms(app, world, login_as):
    admin = login_as("admin")
    r = admin.submit("/partners/new", {"name": "新开的面馆", "kind": "merchant", "phone": "138 8002 0099",
                                       "status": "active", "contacts": [world.users["merchant"]]})
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        partner = db.session.scalar(sa.select(Partner).where(Partner.name == "新开的面馆"))
        assert partner.phone == "13880020099"
        assert db.session.scalar(sa.select(PartnerContact.user_id)) == world.users["merchant"]
        cat_id = db.session.scalar(sa.select(ServiceCategory.id).where(
            ServiceCategory.community_id == world.a, ServiceCategory.name == "公益课堂"))
        partner_id = partner.id
    r = admin.submit(f"/partners/{partner_id}/services/new", {
        "name": "面食课堂", "category_id": cat_id, "target_groups": ["children", "elderly"],
        "points_price": "30", "active": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)
    page = admin.get(f"/partners/{partner_id}").get_data(as_text=True)
    assert "面食课堂" in page


def test_partner_form_errors_are_422_and_write_nothing(app, world, login_as):
    make_partner_in(app, world.a, "重名的店")
    admin = login_as("admin")
    before = count_rows(app, Partner)
    for data in ({"name": "重名的店", "kind": "merchant", "status": "active"},
                 {"name": "合伙人无日期", "kind": "merchant", "status": "active", "is_charity_partner": "y"},
                 {"name": "坏电话", "kind": "merchant", "status": "active", "phone": "12345"},
                 {"name": "坏类型", "kind": "spaceship", "status": "active"},
                 {"name": "x" * 201, "kind": "merchant", "status": "active"}):
        r = admin.submit("/partners/new", data)
        assert r.status_code == 422, data
    assert count_rows(app, Partner) == before


def test_service_form_refuses_zero_quota_and_price(app, world, login_as):
    partner = make_partner_in(app, world.a)
    admin = login_as("admin")
    with app.app_context():
        cat_id = db.session.scalar(sa.select(ServiceCategory.id).where(ServiceCategory.community_id == world.a))
    for field in ("monthly_quota", "points_price"):
        r = admin.submit(f"/partners/{partner}/services/new", {"name": "服务", "category_id": cat_id,
                                                               field: "0"})
        assert r.status_code == 422
    # a category of another community is refused too
    with app.app_context():
        other_cat = db.session.scalar(sa.select(ServiceCategory.id).where(ServiceCategory.community_id == world.b))
    assert admin.submit(f"/partners/{partner}/services/new",
                        {"name": "服务", "category_id": other_cat}).status_code == 422


def test_merchant_link_accepts_only_merchants(app, world):
    import pytest

    partner = make_partner_in(app, world.a)
    with app.app_context():
        with pytest.raises(services.NotAMerchant):
            services.set_contacts(db.session.get(Partner, partner), [world.users["volunteer"]])
        db.session.rollback()
    assert count_rows(app, PartnerContact) == 0


def test_lists_search_filter_and_paginate_in_the_database(app, world, login_as):
    app.config["PAGE_SIZE"] = 5
    for i in range(12):
        make_partner_in(app, world.a, f"商家{i:02d}", is_charity_partner=False, partner_signed_on=None)
    kid = make_partner_in(app, world.a, "阳光幼儿园", kind="kindergarten")
    make_service_in(app, kid, "亲子课堂", category="公益课堂", target_groups=["children"])
    admin = login_as("admin")
    first = admin.get("/partners/?charity=no").get_data(as_text=True)
    assert "12 in all" in first or "共 12" in first
    assert "阳光幼儿园" in admin.get("/partners/?kind=kindergarten").get_data(as_text=True)
    assert "商家01" not in admin.get("/partners/?kind=kindergarten").get_data(as_text=True)
    assert "商家11" in admin.get("/partners/?q=商家11").get_data(as_text=True)
    assert "亲子课堂" in admin.get("/partners/services?group=children").get_data(as_text=True)
    assert "亲子课堂" not in admin.get("/partners/services?group=elderly").get_data(as_text=True)
    assert admin.get("/partners/?q=%25&page=99999999").status_code == 200
    assert admin.get("/partners/services?category=abc&group=zzz").status_code == 200


def test_staff_add_a_category_once(app, world, login_as):
    admin = login_as("admin")
    r = admin.submit("/partners/categories", {"name": "助餐服务"})
    assert r.status_code == 302
    assert "助餐服务" in admin.get("/partners/categories").get_data(as_text=True)
    before = count_rows(app, ServiceCategory)
    assert admin.submit("/partners/categories", {"name": "助餐服务"}).status_code == 422
    assert admin.submit("/partners/categories", {"name": "x" * 61}).status_code == 422
    assert login_as("council").submit("/partners/categories", {"name": "别的"}).status_code == 403
    assert count_rows(app, ServiceCategory) == before
    assert "助餐服务" not in login_as("other_admin").get("/partners/categories").get_data(as_text=True)
