"""CSRF on every POST, security headers, cookies, request limits, health check."""

import re

from tests.conftest import PASSWORD


def post_rules(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            yield rule


def _url(rule, world):
    values = {arg: world.users["volunteer"] for arg in rule.arguments}
    return rule.build(values)[1] if rule.arguments else rule.rule


def test_every_post_route_refuses_a_missing_csrf_token(app, world, login_as):
    rules = list(post_rules(app))
    assert len(rules) >= 8
    anonymous, admin = app.test_client(), login_as("admin")
    anonymous.get("/login")  # a visitor with a session cookie, as any browser has
    for rule in rules:
        url = _url(rule, world)
        for client in (anonymous, admin):
            response = client.post(url, data={"username": "admin", "password": PASSWORD})
            if rule.endpoint == "accounts.language":
                assert response.status_code == 302  # nothing to lose: straight back
                continue
            if rule.endpoint == "accounts.login" and client is admin:
                assert response.headers["Location"] == "/"  # an old sign-in tab: already in
                continue
            if client is anonymous:
                # no session, or an expired sign-in page: back to signing in, with a word why
                assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
                continue
            assert response.status_code == 400, (url, response.status_code)
            assert "表单已过期" in response.get_data(as_text=True)
    assert anonymous.get("/").status_code == 302  # the anonymous posts signed nobody in
    assert "登录页面已过期" in anonymous.get("/login").get_data(as_text=True)
    # and nothing happened: the admin is still signed in, the volunteer still active
    assert admin.get("/").status_code == 200
    assert app.test_client().login("volunteer").status_code == 302


def test_a_form_without_any_cookie_explains_cookies(app, world):
    response = app.test_client().post("/accounts/users/1/unlock", data={"x": "1"})
    assert response.status_code == 400 and "Cookie" in response.get_data(as_text=True)


def test_a_token_from_another_session_is_refused(app, world):
    first, second = app.test_client(), app.test_client()
    token = first.csrf_token()
    second.csrf_token()
    response = second.post("/login", data={"username": "council", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert second.get("/").status_code == 302  # not signed in


def test_csrf_token_does_not_expire_within_a_session(app, world, login_as):
    """A form left open for days (a slow user) still submits."""
    import time

    from itsdangerous import URLSafeTimedSerializer

    class Backdated(URLSafeTimedSerializer):
        def get_timestamp(self):
            return int(time.time()) - 30 * 24 * 3600

    client = login_as("admin")
    with client.session_transaction() as sess:
        raw = sess.setdefault("csrf_token", "0" * 40)
    old_token = Backdated(app.secret_key, salt="wtf-csrf-token").dumps(raw)
    response = client.post(f"/accounts/users/{world.users['volunteer']}/unlock",
                           data={"csrf_token": old_token})
    assert response.status_code == 302


def test_security_headers_on_pages(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_or_style_in_pages(world, login_as):
    client = login_as("admin")
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    inline_handler = re.compile(r"\son[a-z]+\s*=", re.I)
    for url in ("/", "/accounts/users", "/audit/", "/login", f"/accounts/users/{world.users['volunteer']}",
                f"/accounts/users/{world.users['volunteer']}/edit", "/accounts/users/new", "/logout"):
        html = client.get(url).get_data(as_text=True)
        assert not inline_script.search(html), url
        assert not inline_handler.search(html), url
        assert " style=" not in html and "javascript:" not in html, url


def test_signed_in_pages_are_not_cached(world, login_as):
    client = login_as("council")
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(app, world, client):
    response = client.login("council")
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_cookie_when_configured(app, world):
    app.config["SESSION_COOKIE_SECURE"] = True
    response = app.test_client().login("council")
    assert "Secure" in response.headers["Set-Cookie"]


def test_request_size_is_limited(app, client):
    assert app.config["MAX_CONTENT_LENGTH"]
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/login", data=big, content_type="application/octet-stream")
    assert response.status_code == 413


def test_healthz_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == "ok" and body["status"] == "ok" and body["version"]


def test_healthz_reports_a_dead_database(app, client, monkeypatch):
    import sqlalchemy as sa

    from charity.extensions import db

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_no_state_change_through_get(app, world, login_as):
    """Request every GET route as the admin and check that nothing was written: no
    audit event, no change to any user."""
    import sqlalchemy as sa

    from charity.accounts.models import Membership, User
    from charity.audit.models import AuditEvent
    from charity.extensions import db
    from tests.test_access_matrix import _url_values

    client = login_as("admin")

    def state():
        with app.app_context():
            users = db.session.execute(sa.select(User.id, User.display_name, User.phone, User.active,
                                                 User.session_version, User.locale)).all()
            return (sorted(users), db.session.scalar(sa.select(sa.func.count()).select_from(Membership)),
                    db.session.scalar(sa.select(sa.func.max(AuditEvent.id))))

    # Sample objects for URL arguments are made (and audited) before the state is taken.
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        with app.test_request_context():
            urls.append(app.url_for(rule.endpoint, **_url_values(app, world, rule.arguments)))
    before = state()
    visited = 0
    for url in urls:
        response = client.get(url)
        response.close()
        assert response.status_code < 500, url
        visited += 1
    assert visited >= 10
    assert state() == before
