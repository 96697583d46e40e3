"""Bad input gets a clear message, never a 500, and writes nothing."""

import pytest

from charity.accounts.models import LoginThrottle, User
from charity.audit.models import AuditEvent
from tests.conftest import count_rows


def _snapshot(app):
    return tuple(count_rows(app, m) for m in (User, AuditEvent))


@pytest.mark.parametrize("username,password", [
    ("x" * 5000, "y"), ("admin", "p" * 5000), ("", ""), ("   ", "pw"),
    ("管理员", "密码"), ("admin\x00", "dongyi2026"), ("<script>", "a'; DROP TABLE user_account;--"),
])
def test_login_with_bad_fields(app, world, client, username, password):
    before = _snapshot(app)
    response = client.login(username, password)
    assert response.status_code in (400, 401)
    body = response.get_data(as_text=True)
    assert "<script>" not in body.replace("&lt;script&gt;", "")
    assert _snapshot(app) == before


def test_login_with_bytes_that_are_not_utf8(app, world, client):
    before = _snapshot(app)
    token = client.csrf_token()
    body = b"username=%FF%FE%FA&password=%C3%28&csrf_token=" + token.encode()
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 401)
    assert _snapshot(app) == before


def test_raw_non_utf8_body_in_admin_form(app, world, login_as):
    admin = login_as("admin")
    before = _snapshot(app)
    token = admin.csrf_token()
    body = b"username=\xff\xfe&display_name=\xc3\x28&roles=admin&password=a1234567&confirm=a1234567&csrf_token=" + token.encode()
    response = admin.post("/accounts/users/new", data=body, content_type="application/x-www-form-urlencoded")
    # werkzeug cannot decode the body, so the form (token included) arrives empty
    assert response.status_code == 400
    assert "请求中有无效内容" in response.get_data(as_text=True)
    assert _snapshot(app) == before


def test_garbage_query_strings_do_not_break_lists(world, login_as):
    admin = login_as("admin")
    for url in ("/accounts/users?page=-1", "/accounts/users?page=99999", "/accounts/users?q=" + "x" * 500,
                "/audit/?page=%FF", "/audit/?object_id=" + "9" * 100, "/audit/export.csv?date_to=13-13-13",
                "/accounts/users?q=%00abc", "/audit/?actor=%00", "/audit/export.csv?action=a%00b"):
        assert admin.get(url).status_code in (200, 400), url


def test_not_found_and_wrong_method_pages_are_friendly(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
    assert client.put("/login").status_code == 405


def test_unexpected_error_shows_the_friendly_500_and_rolls_back(own_app, world):
    from charity.extensions import db

    app = own_app

    @app.route("/_boom")
    def _boom():
        from charity.accounts.models import Community

        db.session.add(Community(name="半截", slug="partial"))
        db.session.flush()
        raise RuntimeError("boom")

    response = app.test_client().get("/_boom")
    assert response.status_code == 500
    assert "出错了" in response.get_data(as_text=True)
    with app.app_context():
        import sqlalchemy as sa

        from charity.accounts.models import Community

        assert db.session.scalar(sa.select(Community).where(Community.slug == "partial")) is None


def test_throttle_rows_are_the_only_trace_of_failed_logins(app, world, client):
    client.login("council", "wrong-1")
    assert count_rows(app, LoginThrottle) == 2
