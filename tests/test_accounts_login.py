"""Sign-in, sign-out, throttling, session versions and lifetimes, safe redirects."""

import time

import pytest
import sqlalchemy as sa

from charity.accounts.models import LoginThrottle, User
from charity.audit.models import AuditEvent
from charity.extensions import db
from tests.conftest import PASSWORD, count_rows


def test_login_page_has_the_two_fields(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in html and 'name="password"' in html
    assert 'name="csrf_token"' in html


def test_login_lands_on_home_with_community(world, client):
    response = client.login("council")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert "东怡社区" in html


@pytest.mark.parametrize("username,password", [("council", "wrong-pass1"), ("nobody", PASSWORD)])
def test_wrong_password_and_unknown_user_get_the_same_message(app, world, client, username, password):
    users_before = count_rows(app, User)
    audit_before = count_rows(app, AuditEvent)
    response = client.login(username, password)
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert count_rows(app, User) == users_before
    assert count_rows(app, AuditEvent) == audit_before
    assert client.get("/").status_code == 302


def test_username_is_case_insensitive(world, client):
    assert client.login("  Council ").status_code == 302


def test_account_locks_after_repeated_failures_and_staff_unlock(app, world, client, login_as):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert client.login("volunteer", "bad-pass-1").status_code == 401
    # Even the right password is refused while locked, with a message saying what to do.
    locked = client.login("volunteer")
    assert locked.status_code == 429
    assert "服务中心" in locked.get_data(as_text=True)

    admin = login_as("admin")
    detail = admin.get(f"/accounts/users/{world.users['volunteer']}").get_data(as_text=True)
    assert "解锁" in detail
    response = admin.submit(f"/accounts/users/{world.users['volunteer']}/unlock")
    assert response.status_code == 302
    assert client.login("volunteer").status_code == 302
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "user.unlock" in actions


def test_lock_for_unknown_name_looks_the_same(app, world, client):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        client.login("ghost", "bad-pass-1")
    assert client.login("ghost", "bad-pass-1").status_code == 429


def test_address_throttle_across_accounts(app, world, client):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for name in ("a1", "a2", "a3"):
        client.login(name, "bad-pass-1")
    assert client.login("council").status_code == 429


def test_lock_expires(app, world, client):
    from datetime import timedelta

    from charity.models_base import utcnow

    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        client.login("volunteer", "bad-pass-1")
    with app.app_context():
        for row in db.session.scalars(sa.select(LoginThrottle)):
            row.locked_until = utcnow() - timedelta(seconds=1)
            row.window_started_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    assert client.login("volunteer").status_code == 302


def test_deactivated_user_cannot_sign_in(app, world, make_user, client):
    make_user(world.a, "volunteer", username="gone", active=False)
    response = client.login("gone")
    assert response.status_code == 401
    assert "此账号已停用" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_session_is_renewed_at_login(world, client):
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    client.login("council")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"] == f"{world.users['council']}:1"  # id and session version


def test_logout_changes_nothing_through_get(login_as):
    client = login_as("council")
    page = client.get("/logout")
    assert page.status_code == 200 and "所有设备" in page.get_data(as_text=True)
    assert client.get("/").status_code == 200
    assert client.submit("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_cookie_replayed_after_logout_is_refused(app, world):
    client = app.test_client()
    client.login("council")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert client.submit("/logout").status_code == 302

    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_ends_every_session_of_the_user(app, world):
    phone, desk = app.test_client(), app.test_client()
    phone.login("leader")
    desk.login("leader")
    desk.submit("/logout")
    assert phone.get("/").status_code == 302


def test_password_change_ends_other_sessions_keeps_this_one(app, world):
    phone, desk = app.test_client(), app.test_client()
    phone.login("leader")
    desk.login("leader")
    response = desk.submit("/account/password", {"current": PASSWORD, "password": "newpass2027",
                                                  "confirm": "newpass2027"})
    assert response.status_code == 302
    assert desk.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    fresh = app.test_client()
    assert fresh.login("leader", "newpass2027").status_code == 302


def test_password_change_wrong_current_changes_nothing(app, world, login_as):
    client = login_as("leader")
    response = client.submit("/account/password", {"current": "nope-123", "password": "newpass2027",
                                                    "confirm": "newpass2027"})
    assert response.status_code == 400
    assert "当前密码不正确" in response.get_data(as_text=True)
    assert app.test_client().login("leader").status_code == 302


def test_deactivation_ends_sessions(app, world, login_as):
    victim = login_as("volunteer")
    admin = login_as("admin")
    assert admin.submit(f"/accounts/users/{world.users['volunteer']}/deactivate").status_code == 302
    assert victim.get("/").status_code == 302


def test_idle_limit(app, world, login_as):
    client = login_as("council")
    with client.session_transaction() as sess:
        sess["last_seen"] = int(time.time()) - app.config["SESSION_IDLE_MINUTES"] * 60 - 5
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/").status_code == 302


def test_absolute_limit(app, world, login_as):
    client = login_as("council")
    limit = app.permanent_session_lifetime.total_seconds()
    with client.session_transaction() as sess:
        sess["login_at"] = int(time.time() - limit - 5)
    assert client.get("/").status_code == 302


def test_must_change_password_after_reset(app, world, make_user, client):
    make_user(world.a, "volunteer", username="granny", must_change_password=True)
    response = client.login("granny")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/password")
    assert client.get("/").headers["Location"].startswith("/account/password")


@pytest.mark.parametrize("target", [
    "https://evil.example", "//evil.example", "////evil.example", "/\\evil.example",
    "javascript:alert(1)", "\\\\evil.example", "/\t/evil.example", "http:/evil.example",
    "%2F%2Fevil.example",
])
def test_next_never_leaves_the_site(world, client, target):
    response = client.submit("/login", {"username": "council", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/", location


def test_next_within_the_site_is_followed(world, client):
    response = client.submit("/login", {"username": "council", "password": PASSWORD,
                                        "next": "/account/password?x=1"})
    assert response.headers["Location"] == "/account/password?x=1"


def test_login_required_redirect_carries_next(client):
    response = client.get("/accounts/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
