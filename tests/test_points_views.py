"""Points through the browser's eyes: own points only, a merchant's own codes only, a
double click that issues one code, the leaderboard opt-out, the certificate register and
its public check, rules and settings forms, bad input, and the PDFs' text."""

import io
import re

import pypdf
import pytest
import sqlalchemy as sa

from charity.extensions import db
from charity.partners.models import Service
from charity.points import records, redemptions
from charity.points.models import Certificate, PointEntry, PointRuleVersion, Redemption, RedemptionState
from charity.teams.models import Volunteer
from tests.conftest import count_rows
from tests.points_helpers import account_of, build_points


@pytest.fixture
def sc(app, world):
    return build_points(app, world)


def _text(pdf):
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _code(app, volunteer_id, service_id, key):
    with app.test_request_context():
        r = redemptions.redeem(db.session.get(Volunteer, volunteer_id), db.session.get(Service, service_id), key=key)
        db.session.commit()
        return r.id, r.code


def _key(html):
    return re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)


def test_a_volunteer_redeems_once_despite_a_double_click_and_sees_only_their_own(app, sc, login_as):
    client = login_as("volunteer")
    shop = client.get("/points/shop").get_data(as_text=True)
    assert "积分兑换理发" in shop
    key = _key(shop)
    first = client.submit(f"/points/shop/{sc.haircut}/redeem", {"idempotency_key": key})
    second = client.submit(f"/points/shop/{sc.haircut}/redeem", {"idempotency_key": key})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(app, Redemption) == 1
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "<svg" in page and 'data-testid="code"' in page
    mine = client.get("/points/me").get_data(as_text=True)
    assert 'data-testid="points-balance">5<' in mine and 'data-testid="points-held">10<' in mine
    # Another volunteer's code and the staff pages stay closed.
    other_id, _code_text = _code(app, sc.lead_a, sc.repair, "lead")
    assert client.get(f"/points/codes/{other_id}").status_code == 404
    assert client.submit(f"/points/codes/{other_id}/cancel").status_code == 404
    assert client.get(f"/points/volunteers/{sc.lead_a}").status_code == 403
    # Not enough left for a second haircut: refused with a message, nothing written.
    refused = client.submit(f"/points/shop/{sc.haircut}/redeem", {"idempotency_key": "another-key-123"})
    assert refused.status_code == 422
    assert count_rows(app, Redemption) == 2


def test_a_merchant_sees_and_fulfils_only_codes_of_their_own_services(app, sc, login_as):
    own_id, own_code = _code(app, sc.member_a, sc.haircut, "own")
    other_id, other_code = _code(app, sc.lead_a, sc.repair, "other")
    merchant = login_as("merchant")
    queue = merchant.get("/points/merchant").get_data(as_text=True)
    assert "积分兑换理发" in queue and "小家电维修" not in queue
    assert own_code not in queue  # the code itself is only on the volunteer's phone
    assert merchant.get(f"/points/codes/{own_id}").status_code == 200
    assert merchant.get(f"/points/codes/{other_id}").status_code == 404
    assert merchant.get(f"/points/settlements/{sc.other_shop}").status_code == 404
    refused = merchant.submit("/points/merchant", {"code": other_code})
    assert refused.status_code == 422
    done = merchant.submit("/points/merchant", {"code": redemptions.format_code(own_code).lower()})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Redemption, own_id).state == RedemptionState.redeemed
        assert db.session.get(Redemption, other_id).state == RedemptionState.held
    again = merchant.submit("/points/merchant", {"code": own_code})
    assert again.status_code == 422 and "已使用" in again.get_data(as_text=True)
    settlement = merchant.get(f"/points/settlements/{sc.shop}").get_data(as_text=True)
    assert redemptions.format_code(own_code) in settlement
    pdf = merchant.get(f"/points/settlements/{sc.shop}/statement.pdf")
    assert pdf.mimetype == "application/pdf"
    text = _text(pdf.data)
    assert "积分兑换结算单" in text and redemptions.format_code(own_code) in text and "赵**" in text


def test_the_leaderboard_respects_opting_out(app, sc, login_as):
    client = login_as("volunteer")
    board = login_as("council").get("/points/leaderboard").get_data(as_text=True)
    assert "赵阿姨" in board and "张小暖" in board
    assert board.index("张小暖") < board.index("赵阿姨")  # 2 h before 1.5 h
    assert client.submit("/points/me/leaderboard").status_code == 302
    board = login_as("council").get("/points/leaderboard").get_data(as_text=True)
    assert "赵阿姨" not in board and "张小暖" in board
    with app.app_context():
        assert account_of(sc.member_a).leaderboard_opt_out is True


def test_a_leader_sees_their_team_but_not_another(app, sc, login_as):
    client = login_as("leader")
    assert f"/points/teams/{sc.team_a}" in client.get("/points/me").get_data(as_text=True)
    page = client.get(f"/points/teams/{sc.team_a}").get_data(as_text=True)
    assert "赵阿姨" in page and "张小暖" in page
    assert client.get(f"/points/teams/{sc.team_b}").status_code == 403


def test_staff_adjust_with_a_reason_and_bad_input_changes_nothing(app, sc, login_as):
    admin = login_as("admin")
    page = admin.get(f"/points/volunteers/{sc.member_a}").get_data(as_text=True)
    before = count_rows(app, PointEntry)
    bad = admin.submit(f"/points/volunteers/{sc.member_a}/adjust", {"points": "12", "reason": "",
                                                                      "idempotency_key": "adjust-key-1"})
    assert bad.status_code == 422 and count_rows(app, PointEntry) == before
    bad = admin.submit(f"/points/volunteers/{sc.member_a}/adjust", {"points": "-500", "reason": "错误录入",
                                                                      "idempotency_key": "adjust-key-2"})
    assert bad.status_code == 422 and count_rows(app, PointEntry) == before
    key = _key(page)
    for _twice in range(2):
        ok = admin.submit(f"/points/volunteers/{sc.member_a}/adjust", {"points": "12", "reason": "补录服务",
                                                                         "idempotency_key": key})
        assert ok.status_code == 302
    assert count_rows(app, PointEntry) == before + 1
    with app.app_context():
        assert account_of(sc.member_a).balance == 27


def test_staff_redeem_on_behalf_and_it_is_recorded_as_such(app, sc, login_as):
    admin = login_as("admin")
    page = admin.get(f"/points/volunteers/{sc.member_a}").get_data(as_text=True)
    response = admin.submit(f"/points/volunteers/{sc.member_a}/redeem",
                            {"service_id": str(sc.haircut), "confirm": "y", "idempotency_key": _key(page)})
    assert response.status_code == 302
    with app.app_context():
        r = db.session.scalar(sa.select(Redemption))
        assert r.on_behalf and r.created_by.username == "admin" and r.volunteer_id == sc.member_a
        entry = db.session.scalar(sa.select(PointEntry).where(PointEntry.redemption_id == r.id))
        assert "代兑" in entry.memo
    assert "代志愿者兑换" in admin.get(response.headers["Location"]).get_data(as_text=True)


def test_rules_and_settings_forms(app, sc, login_as):
    admin = login_as("admin")
    form = {f"rate_{k}": "12" for k in ("visit", "class", "reading", "workshop", "repair", "haircut",
                                        "charity_sale", "training", "other")}
    form.update(cap_per_activity="", organiser_bonus="3", note="提高标准")
    assert admin.submit("/points/rules", form).status_code == 302
    with app.app_context():
        latest = db.session.scalar(sa.select(PointRuleVersion).order_by(PointRuleVersion.number.desc()))
        assert latest.number == 2 and latest.rates["visit"] == 12 and latest.organiser_bonus == 3
    form["rate_visit"] = "-1"
    assert admin.submit("/points/rules", form).status_code == 422
    assert login_as("council").submit("/points/rules", form).status_code == 403
    bad = admin.submit("/points/settings", {"hold_days": "7", "expiry_months": "24", "level_hours": "100,20",
                                            "issuing_org": "东怡社区党群服务中心"})
    assert bad.status_code == 422
    ok = admin.submit("/points/settings", {"hold_days": "7", "expiry_months": "24", "level_hours": "10,50",
                                           "issuing_org": "东怡社区党群服务中心", "person_in_charge": "王晓燕"})
    assert ok.status_code == 302
    mine = login_as("leader").get("/points/me").get_data(as_text=True)
    assert "满 10 小时升一星" in mine  # 2 h: 1★ comes at 10 h


def test_certificate_is_numbered_registered_and_checkable(app, sc, login_as):
    admin = login_as("admin")
    admin.submit(f"/points/volunteers/{sc.member_a}/identity",
                 {"id_type": "resident_id", "id_number": "510104195803151226", "volunteer_number": "DY-7"})
    admin.submit(f"/points/volunteers/{sc.member_a}/commendations",
                 {"kind": "training", "title": "志愿服务通用培训", "awarded_on": "2026-02-01", "issuer": "服务中心"})
    bad = admin.submit(f"/points/volunteers/{sc.member_a}/certificates",
                       {"period_start": "2026-03-31", "period_end": "2026-01-01"})
    assert bad.status_code == 422 and count_rows(app, Certificate) == 0
    ok = admin.submit(f"/points/volunteers/{sc.member_a}/certificates",
                      {"period_start": "2026-01-01", "period_end": "2026-03-31"})
    assert ok.status_code == 302
    with app.app_context():
        cert = db.session.scalar(sa.select(Certificate))
        number, cert_id = cert.number, cert.id
        assert re.fullmatch(r"ZM\d{4}-00001-[A-Z2-9]{4}", number)
        assert cert.minutes == 90 and cert.snapshot["id_number_masked"] == "5101**********1226"
    text = _text(login_as("volunteer").get(f"/points/certificates/{cert_id}.pdf").data)
    for expected in ("志愿服务记录证明", number, "赵阿姨", "5101**********1226", "DY-7", "绘本共读（积分）",
                     "志愿服务通用培训", "1.5"):
        assert expected in text, expected
    assert "510104195803151226" not in text
    # The public check: no sign-in, a masked name only.
    public = app.test_client().get(f"/points/check?number={number.lower()}")
    body = public.get_data(as_text=True)
    assert public.status_code == 200 and "赵**" in body and "赵阿姨" not in body and "1226" not in body
    missing = app.test_client().get("/points/check?number=ZM2026-99999-ABCD")
    assert missing.status_code == 404


def test_passbook_lists_every_entry_with_the_running_balance(app, sc, login_as):
    _code(app, sc.member_a, sc.haircut, "pb")
    text = _text(login_as("volunteer").get("/points/me/passbook.pdf").data)
    assert "爱心存折" in text and "绘本共读（积分）" in text and "东怡快剪理发店" in text
    with app.app_context():
        assert records.mask_name("赵阿姨") == "赵**"
