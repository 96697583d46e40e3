"""The pages after the award, through the test client: the whole life of a grant from
the award to the close, bad input re-rendering with 422 and changing nothing, a double
submit paying once, another team's leader seeing nothing."""

import io
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from charity.extensions import db
from charity.fund.models import JournalEntry
from charity.grants.models import Application, ApplicationState
from charity.grants.models_award import ExpenseClaim, FinalReport, Grant, MidtermEvaluation
from charity.models_base import local_today
from tests.access_teams import png_bytes
from tests.grants_award_helpers import logged_activity, noticed_application, put_money
from tests.grants_helpers import user


@pytest.fixture
def noticed(app, world):
    with app.app_context():
        put_money(world)
        application = noticed_application(world)
        db.session.commit()
        return application.id


def _grant(app, application_id):
    with app.app_context():
        return db.session.scalar(sa.select(Grant.id).where(Grant.application_id == application_id))


def _state(app, application_id):
    with app.app_context():
        return db.session.get(Application, application_id).state


def _entries(app, grant_id):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(JournalEntry.id)).where(
            JournalEntry.reference_id.like(f"G{grant_id}-%")))


def test_a_grant_from_award_to_close_through_the_pages(app, world, login_as, noticed):
    admin, council, leader = login_as("admin"), login_as("council"), login_as("leader")
    today = local_today().isoformat()
    assert "立项资助" in admin.get("/grants/awarded").get_data(as_text=True)
    r = admin.submit(f"/grants/applications/{noticed}/award", {"plan": "60 / 40", "expected_activities": "4"})
    assert r.status_code == 302
    grant_id = _grant(app, noticed)
    page = admin.get(f"/grants/awarded/{grant_id}").get_data(as_text=True)
    assert "尚未签订" in page and 'data-testid="pay-1"' not in page
    assert admin.get(f"/grants/awarded/{grant_id}/agreement.pdf").mimetype == "application/pdf"

    # Test set-up: the award was made two weeks ago, and the agreement signed ten days ago,
    # so the activity logged below (three days ago) is delivered under it.
    with app.app_context():
        db.session.execute(sa.update(Grant).where(Grant.id == grant_id).values(
            awarded_at=datetime.now(timezone.utc) - timedelta(days=14)))
        db.session.commit()
    signed_on = (local_today() - timedelta(days=10)).isoformat()
    r = admin.submit(f"/grants/awarded/{grant_id}/sign", {"signed_on": signed_on, "team_signatory": "王队长",
                                                          "centre_signatory": "李主任"})
    assert r.status_code == 302
    with app.app_context():
        tranche_ids = [t.id for t in db.session.get(Grant, grant_id).tranches]
    form = {"paid_on": today, "method": "bank", "idempotency_key": "pay-first-tranche"}
    assert admin.submit(f"/grants/awarded/tranches/{tranche_ids[0]}/pay", form).status_code == 302
    r = admin.submit(f"/grants/awarded/tranches/{tranche_ids[0]}/pay", form)  # the double click
    assert r.status_code == 302 and _entries(app, grant_id) == 1
    assert _state(app, noticed) == ApplicationState.active
    assert "微创投资助" in admin.get("/fund/journal").get_data(as_text=True)

    # The second tranche waits for the mid-term evaluation.
    r = admin.submit(f"/grants/awarded/tranches/{tranche_ids[1]}/pay", {"paid_on": today, "method": "bank",
                                                                        "idempotency_key": "pay-second-1"})
    assert r.status_code == 422 and "中期评估通过后" in r.get_data(as_text=True)
    with app.app_context():
        activity_id = logged_activity(world, db.session.get(Grant, grant_id)).id
    page = leader.get(f"/grants/awarded/{grant_id}/evaluation").get_data(as_text=True)
    assert "亲子共读第一期" in page
    r = leader.submit(f"/grants/awarded/{grant_id}/evaluation", {"self_evaluation": "已开展两期",
                                                                 "activity_ids": [str(activity_id)]})
    assert r.status_code == 302
    with app.app_context():
        evaluation_id = db.session.scalar(sa.select(MidtermEvaluation.id))
    assert council.submit(f"/grants/awarded/evaluations/{evaluation_id}/evaluate",
                          {"outcome": "passed", "opinion": ""}).status_code == 422
    r = council.submit(f"/grants/awarded/evaluations/{evaluation_id}/evaluate",
                       {"outcome": "passed", "opinion": "同意拨付第二批"})
    assert r.status_code == 302
    assert admin.submit(f"/grants/awarded/tranches/{tranche_ids[1]}/pay",
                        {"paid_on": today, "method": "bank", "idempotency_key": "pay-second-2"}).status_code == 302

    with app.app_context():
        line_id = db.session.get(Grant, grant_id).application.budget_lines[0].id
    r = leader.post(f"/grants/awarded/{grant_id}/claims/new", data={
        "csrf_token": leader.csrf_token(), "budget_line_id": str(line_id), "description": "购买绘本",
        "amount": "2800", "spent_on": today, "receipts": [(io.BytesIO(png_bytes()), "发票.png")]},
        content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    with app.app_context():
        claim = db.session.scalar(sa.select(ExpenseClaim))
        claim_id, receipt_id = claim.id, claim.receipts[0].id
    assert leader.get(f"/grants/awarded/receipts/{receipt_id}").mimetype == "image/png"
    assert admin.submit(f"/grants/awarded/claims/{claim_id}", {"decision": "reject", "note": "",
                                                               "idempotency_key": "claim-decide-1"}).status_code == 422
    assert admin.submit(f"/grants/awarded/claims/{claim_id}", {"decision": "approve", "note": "",
                                                               "idempotency_key": "claim-decide-2"}).status_code == 302

    r = leader.submit(f"/grants/awarded/{grant_id}/report", {"narrative": "开展共读 8 期", "outcomes": "亲子关系改善",
                                                             "beneficiaries": "96",
                                                             "activity_ids": [str(activity_id)]})
    assert r.status_code == 302
    with app.app_context():
        report_id = db.session.scalar(sa.select(FinalReport.id))
    assert "亲子共读第一期" in council.get(f"/grants/awarded/reports/{report_id}").get_data(as_text=True)
    r = council.submit(f"/grants/awarded/reports/{report_id}", {"decision": "accept", "opinion": "同意结项",
                                                                "returned_on": today, "method": "bank",
                                                                "idempotency_key": "close-grant-1"})
    assert r.status_code == 302
    assert _state(app, noticed) == ApplicationState.closed
    with app.app_context():
        grant = db.session.get(Grant, grant_id)
        assert (grant.disbursed_fen, grant.spent_fen, grant.returned_fen) == (3_000_00, 2_800_00, 200_00)
    statement = admin.get(f"/grants/awarded/{grant_id}/statement.pdf")
    assert statement.mimetype == "application/pdf"
    assert _entries(app, grant_id) == 4  # two tranches, one claim, one return


@pytest.mark.parametrize("plan", ["", "50/30", "abc", "100/0", "10/10/10/10/10/10/40"])
def test_a_bad_plan_re_renders_and_awards_nothing(app, login_as, noticed, plan):
    r = login_as("admin").submit(f"/grants/applications/{noticed}/award", {"plan": plan,
                                                                          "expected_activities": "3"})
    assert r.status_code == 422
    assert _grant(app, noticed) is None and _state(app, noticed) == ApplicationState.public_notice


def test_bad_signing_input_re_renders(app, login_as, noticed):
    admin = login_as("admin")
    admin.submit(f"/grants/applications/{noticed}/award", {"plan": "50/30/20", "expected_activities": "3"})
    grant_id = _grant(app, noticed)
    r = admin.submit(f"/grants/awarded/{grant_id}/sign", {"signed_on": "2099-01-01", "team_signatory": "",
                                                          "centre_signatory": "李"})
    assert r.status_code == 422
    with app.app_context():
        assert db.session.get(Grant, grant_id).signed_on is None


def test_another_teams_leader_sees_nothing(app, world, login_as, noticed):
    admin = login_as("admin")
    admin.submit(f"/grants/applications/{noticed}/award", {"plan": "50/30/20", "expected_activities": "3"})
    grant_id = _grant(app, noticed)
    with app.app_context():
        from charity.accounts import services as accounts
        from tests.conftest import PASSWORD
        from tests.grants_helpers import community, make_team

        accounts.create_user(community(world), username="leader_b", display_name="乙队长", password=PASSWORD,
                             roles=["leader"], must_change_password=False)
        make_team(world, name="银龄互助队", leader="leader_b", phone="13900000099")
        db.session.commit()
    other = login_as("leader_b")
    assert other.get(f"/grants/awarded/{grant_id}").status_code == 404
    assert other.get(f"/grants/awarded/{grant_id}/statement.pdf").status_code == 404
    assert "DONGYI" not in other.get("/grants/awarded").get_data(as_text=True)
    assert login_as("leader").get(f"/grants/awarded/{grant_id}").status_code == 200


def test_unsigned_agreement_page_refuses_payment(app, login_as, noticed):
    admin = login_as("admin")
    admin.submit(f"/grants/applications/{noticed}/award", {"plan": "50/30/20", "expected_activities": "3"})
    grant_id = _grant(app, noticed)
    with app.app_context():
        tranche_id = db.session.get(Grant, grant_id).tranches[0].id
    assert "先登记资助协议" in admin.get(f"/grants/awarded/tranches/{tranche_id}/pay").get_data(as_text=True)
    r = admin.submit(f"/grants/awarded/tranches/{tranche_id}/pay", {"paid_on": local_today().isoformat(),
                                                                    "method": "bank", "idempotency_key": "k-123456"})
    assert r.status_code == 422 and _entries(app, grant_id) == 0
    with app.app_context():
        assert user("admin") is not None


def test_a_failed_evaluation_is_published_to_anyone(app, world, login_as):
    from charity.grants import evaluations
    from tests.grants_award_helpers import awarded_grant, pay

    client = app.test_client()
    assert "没有未通过的中期评估" in client.get("/p/dongyi/grants/evaluations").get_data(as_text=True)
    with app.app_context():
        grant = awarded_grant(world)
        pay(grant, 1)
        evaluation = evaluations.submit_evaluation(grant, self_evaluation="活动延期（联系人 13900000001）",
                                                   actor=user("leader"))
        evaluations.evaluate(evaluation, "failed", opinion="三个月未开展活动", actor=user("council"))
        db.session.commit()
    page = client.get("/p/dongyi/grants/evaluations").get_data(as_text=True)
    assert "三个月未开展活动" in page and "亲子共读" in page and "¥1,500.00" in page
    assert "13900000001" not in page and "活动延期" not in page  # the self-evaluation stays inside
    assert "三个月未开展活动" in login_as("council").get("/grants/awarded").get_data(as_text=True)
    assert app.test_client().get("/p/nowhere/grants/evaluations").status_code == 404
