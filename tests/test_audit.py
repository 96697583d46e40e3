"""The audit trail: written by every change, append-only, browsable, exportable."""

import csv
import io

import pytest
import sqlalchemy as sa

from charity.audit.models import AuditEvent
from charity.audit.services import record
from charity.errors import AuditImmutable
from charity.extensions import db


def rows_of(response):
    """The audit table of a page (the filter form lists every action code too)."""
    html = response.get_data(as_text=True)
    return html[html.index("<tbody>"):html.index("</tbody>")]


def _events(app, **filters):
    with app.app_context():
        stmt = sa.select(AuditEvent).filter_by(**filters).order_by(AuditEvent.id)
        return [(e.action, e.object_type, e.object_id, e.before, e.after, e.actor_label)
                for e in db.session.scalars(stmt)]


def test_user_changes_are_audited_with_before_and_after(app, world, login_as):
    admin = login_as("admin")
    uid = world.users["volunteer"]
    response = admin.submit(f"/accounts/users/{uid}/edit", {
        "display_name": "赵阿姨", "phone": "13900001111", "locale": "", "roles": ["volunteer", "leader"]})
    assert response.status_code == 302
    events = _events(app, action="user.update")
    assert len(events) == 1
    action, object_type, object_id, before, after, actor = events[0]
    assert (object_type, object_id, actor) == ("user", str(uid), "admin")
    assert before["roles"] == ["volunteer"] and after["roles"] == ["leader", "volunteer"]
    assert after["phone"] == "13900001111" and after["display_name"] == "赵阿姨"
    assert "password_hash" not in after


def test_audit_records_address_and_community(app, world, login_as):
    admin = login_as("admin")
    admin.submit(f"/accounts/users/{world.users['volunteer']}/unlock",
                 environ_base={"REMOTE_ADDR": "10.1.2.3"})
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.unlock"))
        assert event.address == "10.1.2.3"
        assert event.community_id == world.a


def test_orm_refuses_update_and_delete(app, world):
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).limit(1))
        event.action = "tampered"
        with pytest.raises(AuditImmutable):
            db.session.flush()
        db.session.rollback()
        event = db.session.scalar(sa.select(AuditEvent).limit(1))
        db.session.delete(event)
        with pytest.raises(AuditImmutable):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET action = 'tampered'",
    "DELETE FROM audit_event",
])
def test_database_refuses_update_and_delete(app, world, statement):
    """Even SQL that bypasses the ORM cannot change the trail."""
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "tampered")) == 0


def test_no_edit_or_delete_route_exists(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, rule


def test_record_outside_a_request_is_labelled_cli(app, world):
    from charity.accounts.models import Community

    with app.app_context():
        community = db.session.get(Community, world.a)
        event = record("test.thing", "thing", 7, community=community, after={"x": 1})
        db.session.commit()
        assert event.actor_label == "cli" and event.actor_id is None and event.address is None


def test_filters(app, world, login_as):
    admin = login_as("admin")
    admin.submit(f"/accounts/users/{world.users['council']}/unlock")
    client = login_as("auditor")
    html = rows_of(client.get("/audit/?action=user.unlock"))
    assert "解锁登录" in html and "创建用户" not in html
    html = rows_of(client.get(f"/audit/?object_type=user&object_id={world.users['council']}"))
    assert "解锁登录" in html
    html = rows_of(client.get("/audit/?actor=admin&action=session.login"))
    assert ">登录</td>" in html and "解锁登录" not in html
    html = rows_of(client.get("/audit/?action=no.such.action"))
    assert "没有符合条件的记录" in html
    html = rows_of(client.get("/audit/?actor=nobody"))
    assert "没有符合条件的记录" in html


def test_date_filter_and_bad_dates(app, world, login_as):
    client = login_as("auditor")
    from datetime import date, timedelta

    today = date.today()
    html = rows_of(client.get(f"/audit/?date_from={today - timedelta(days=1)}&date_to={today + timedelta(days=1)}"))
    assert "创建用户" in html
    html = rows_of(client.get("/audit/?date_from=2020-01-01&date_to=2020-01-02"))
    assert "创建用户" not in html
    response = client.get("/audit/?date_from=not-a-date")
    assert response.status_code == 400
    response = client.get("/audit/?date_from=2026-05-02&date_to=2026-05-01")
    assert response.status_code == 400
    assert "截止日期早于起始日期" in response.get_data(as_text=True)


def test_detail_shows_before_and_after(app, world, login_as):
    client = login_as("auditor")
    with app.app_context():
        event_id = db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "user.create"))
    html = client.get(f"/audit/{event_id}").get_data(as_text=True)
    assert "创建用户" in html and "user.create" in html
    table = rows_of(client.get(f"/audit/{event_id}"))
    assert "姓名" in table and "display_name" not in table  # field names, in words
    assert "团队负责人" in table or "志愿者" in table or "服务中心工作人员" in table


def test_csv_export(app, world, login_as):
    from charity.accounts.models import Community

    with app.app_context():
        community = db.session.get(Community, world.a)
        record("test.formula", "thing", "=1+2", community=community, after={"note": "=HYPERLINK()"})
        db.session.commit()
    client = login_as("auditor")
    response = client.get("/audit/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "编号"
    actions = [row[5] for row in rows[1:]]
    assert "user.create" in actions and "session.login" in actions
    assert "创建用户" in [row[4] for row in rows[1:]]
    formula_row = next(row for row in rows if row[5] == "test.formula")
    assert formula_row[7] == "'=1+2"  # spreadsheet formulas are neutralised
    filtered = client.get("/audit/export.csv?action=session.login").get_data(as_text=True)
    filtered_rows = list(csv.reader(io.StringIO(filtered.lstrip("\ufeff"))))
    assert len(filtered_rows) > 1 and {row[5] for row in filtered_rows[1:]} == {"session.login"}
