"""Rules that a review found broken once: cross-community takeover, races, overflows,
time zones, forced password changes."""

import threading
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from charity.accounts.models import Community, LoginThrottle, Membership, Role, User
from charity.audit.models import AuditEvent
from charity.extensions import db
from tests.conftest import PASSWORD, count_rows, is_postgres


@pytest.fixture
def shared_admin(app, world):
    """B's admin, who also volunteers in A."""
    with app.app_context():
        db.session.add(Membership(user_id=world.users["other_admin"], community_id=world.a,
                                  role=Role.volunteer))
        db.session.commit()
    return world.users["other_admin"]


def test_a_cannot_take_over_an_account_b_relies_on(app, world, login_as, shared_admin):
    admin = login_as("admin")
    response = admin.submit(f"/accounts/users/{shared_admin}/reset-password",
                            {"password": "taken2026x", "confirm": "taken2026x"}, follow_redirects=True)
    assert "另一个社区" in response.get_data(as_text=True)
    assert app.test_client().login("other_admin", "taken2026x").status_code == 401
    assert app.test_client().login("other_admin").status_code == 302
    # the profile cannot be changed from A either; the edit keeps it as it is
    admin.submit(f"/accounts/users/{shared_admin}/edit", {
        "display_name": "冒名", "phone": "13900000000", "locale": "en", "roles": ["volunteer", "council"]})
    with app.app_context():
        user = db.session.get(User, shared_admin)
        assert user.display_name != "冒名" and user.phone is None and user.locale is None
        assert user.roles_in(world.a) == {Role.volunteer, Role.council}
        assert user.roles_in(world.b) == {Role.admin}


def test_a_shared_account_can_be_removed_from_a_only(app, world, login_as, shared_admin):
    admin = login_as("admin")
    response = admin.submit(f"/accounts/users/{shared_admin}/edit",
                            {"display_name": "x", "phone": "", "locale": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/accounts/users"
    with app.app_context():
        user = db.session.get(User, shared_admin)
        assert user.roles_in(world.a) == set() and user.roles_in(world.b) == {Role.admin}
    assert admin.get(f"/accounts/users/{shared_admin}").status_code == 404


def test_an_account_of_a_only_cannot_lose_every_role(app, world, login_as):
    admin = login_as("admin")
    response = admin.submit(f"/accounts/users/{world.users['volunteer']}/edit",
                            {"display_name": "赵", "phone": "", "locale": ""})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, world.users["volunteer"]).roles_in(world.a) == {Role.volunteer}


def test_temporary_password_must_be_changed_before_anything_else(app, world, make_user):
    make_user(world.a, "admin", username="tempadmin", must_change_password=True)
    client = app.test_client()
    client.login("tempadmin")
    for url in ("/", "/accounts/users", "/audit/", "/accounts/users/new"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/account/password"), url
    response = client.submit(f"/accounts/users/{world.users['volunteer']}/deactivate")
    assert response.headers["Location"].startswith("/account/password")
    with app.app_context():
        assert db.session.get(User, world.users["volunteer"]).active
    assert client.get("/account/password").status_code == 200
    client.submit("/account/password", {"current": PASSWORD, "password": "fresh2026x", "confirm": "fresh2026x"})
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("url", [
    "/audit/?date_to=9999-12-31", "/audit/?date_from=0001-01-01", "/audit/export.csv?date_to=9999-12-31",
    "/audit/99999999999999999999999", "/accounts/users/99999999999999999999999",
    "/accounts/users?page=99999999999999999999999", "/audit/?page=-99999999999999999999",
    "/audit/?endpoint=x", "/audit/?_method=POST&_external=1&_scheme=https", "/accounts/users?endpoint=x&page=1",
    "/audit/?object_type=<b>", "/accounts/users?role=%00",
])
def test_odd_urls_never_500(world, login_as, url):
    response = login_as("admin").get(url)
    assert response.status_code in (200, 400, 404), (url, response.status_code)
    assert "http://" not in response.get_data(as_text=True).split("<main", 1)[-1]


def test_huge_id_in_a_post_is_404(world, login_as):
    assert login_as("admin").submit("/accounts/users/99999999999999999999999/unlock").status_code == 404


def test_date_filter_uses_beijing_time(app, world, login_as):
    """23:57 on 28 February in Chengdu is 15:57 UTC: it belongs to 28 February."""
    with app.app_context():
        community = db.session.get(Community, world.a)
        db.session.add(AuditEvent(community_id=community.id, actor_label="cli", action="user.unlock",
                                  object_type="user", object_id="late",
                                  created_at=datetime(2026, 2, 28, 15, 57, tzinfo=timezone.utc)))
        db.session.commit()
    client = login_as("auditor")
    on_the_day = client.get("/audit/?date_from=2026-02-28&date_to=2026-02-28&object_id=late")
    next_day = client.get("/audit/?date_from=2026-03-01&date_to=2026-03-01&object_id=late")
    assert "#late" in on_the_day.get_data(as_text=True)
    assert "#late" not in next_day.get_data(as_text=True)


def _parallel(n, work):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def test_parallel_wrong_passwords_cannot_pass_the_throttle(app, world):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    clients = [app.test_client() for _ in range(12)]
    for c in clients:
        c.csrf_token()
    codes = _parallel(len(clients), lambda i: clients[i].login("volunteer", "wrong-pass-9").status_code)
    assert 500 not in codes
    assert codes.count(401) <= limit, codes
    assert codes.count(429) >= len(codes) - limit
    with app.app_context():
        row = db.session.scalar(sa.select(LoginThrottle).where(LoginThrottle.key == "volunteer"))
        assert row.failures == len(codes)


def test_two_admins_cannot_demote_each_other_at_once(app, world, make_user, login_as):
    make_user(world.a, "admin", username="admin2")
    clients = [login_as("admin"), login_as("admin2")]
    targets = [clients and world.users["admin"], None]
    with app.app_context():
        targets[1] = db.session.scalar(sa.select(User.id).where(User.username == "admin2"))
    targets = [targets[1], targets[0]]  # each demotes the other

    def demote(i):
        return clients[i].submit(f"/accounts/users/{targets[i]}/edit", {
            "display_name": "管理员", "phone": "", "locale": "", "roles": ["council"]}).status_code

    codes = _parallel(2, demote)
    assert 500 not in codes
    with app.app_context():
        admins = db.session.scalars(sa.select(Membership.user_id).where(
            Membership.community_id == world.a, Membership.role == Role.admin)).all()
    assert len(admins) >= 1, codes


def test_parallel_creates_of_one_username(app, world, make_user, login_as):
    clients = [login_as("admin") for _ in range(4)]
    form = {"username": "samename", "display_name": "同名", "phone": "", "roles": ["volunteer"],
            "locale": "", "password": "start2026", "confirm": "start2026"}
    codes = _parallel(4, lambda i: clients[i].submit("/accounts/users/new", form).status_code)
    assert sorted(codes) == [302, 422, 422, 422], codes
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(User.username == "samename")) == 1


def test_warning_before_the_lock(app, world, client):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    texts = [client.login("leader", "wrong-pass-1").get_data(as_text=True) for _ in range(limit)]
    assert "再输错" not in texts[0]
    assert "再输错 1 次" in texts[limit - 2]
    assert "账号现已被锁定" in texts[limit - 1]


def test_locked_users_show_in_the_list(app, world, login_as, client):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] + 1):
        client.login("leader", "wrong-pass-1")
    admin = login_as("admin")
    page = admin.get("/accounts/users?status=locked").get_data(as_text=True)
    assert f'/accounts/users/{world.users["leader"]}">leader</a>' in page and "登录已锁定" in page
    assert ">council</a>" not in page


def test_trusted_network_is_not_address_throttled(app, world):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 2
    app.config["LOGIN_TRUSTED_NETWORKS"] = ["10.0.0.0/8"]
    office = app.test_client()
    inside = {"REMOTE_ADDR": "10.1.1.1"}
    for name in ("a1", "a2", "a3", "a4"):
        assert office.submit("/login", {"username": name, "password": "bad-pass-1"},
                             environ_base=inside).status_code == 401
    assert office.submit("/login", {"username": "council", "password": PASSWORD},
                         environ_base=inside).status_code == 302
    outside = app.test_client()
    for name in ("a1", "a2", "a3"):
        outside.login(name, "bad-pass-1")
    assert outside.login("council").status_code == 429


def test_language_chosen_on_the_sign_in_page_is_kept(app, world):
    from charity.extensions import db as _db

    with app.app_context():
        _db.session.get(User, world.users["council"]).locale = "zh"
        _db.session.commit()
    client = app.test_client()
    client.submit("/language", {"language": "en", "next": "/login"})
    client.login("council")
    assert "Home" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert _db.session.get(User, world.users["council"]).locale == "en"
    # the next person on the same browser gets their own language, not this choice
    client.submit("/logout")
    client.login("auditor")
    with app.app_context():
        assert _db.session.get(User, world.users["auditor"]).locale is None


def test_long_client_address_is_cut_not_fatal(app, world, login_as):
    admin = login_as("admin")
    response = admin.submit(f"/accounts/users/{world.users['volunteer']}/unlock",
                            environ_base={"REMOTE_ADDR": "f" * 80})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.unlock"))
        assert len(event.address) == 45


def test_demo_refuses_a_database_with_a_real_admin(app, runner, make_community, make_user):
    other = make_community("qingquan", "清泉社区")
    make_user(other, "admin", username="admin")
    before = count_rows(app, User)
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "真实账号" in result.output
    assert count_rows(app, User) == before
    with app.app_context():
        assert db.session.scalar(sa.select(Community).where(Community.slug == "dongyi")) is None


@pytest.mark.parametrize("args,message", [
    (["--community", "Bad Slug!", "--community-name", "坏", "--username", "ok_user"], "简称须为"),
    (["--community", "newone", "--community-name", "新社区", "--username", "x" * 60], "3 到 40"),
])
def test_create_admin_validates_names(app, runner, args, message):
    result = runner.invoke(args=["create-admin", *args, "--display-name", "某", "--password", "good2026"])
    assert result.exit_code != 0 and message in result.output
    assert count_rows(app, Community) == 0


@pytest.mark.skipif(not is_postgres(), reason="TRUNCATE triggers are a PostgreSQL matter")
def test_truncate_of_the_audit_trail_is_refused(app, world):
    with app.app_context():
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text("TRUNCATE audit_event"))
        db.session.rollback()
        assert count_rows(app, AuditEvent) > 0


# -- second review ---------------------------------------------------------------------


def test_a_locked_address_counts_against_no_account(app, world):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    attacker = app.test_client()
    for name in ("x1", "x2", "x3", "x4"):
        attacker.login(name, "bad-pass-1")
    for _ in range(10):
        assert attacker.login("council", "bad-pass-1").status_code == 429
    other_place = app.test_client()
    response = other_place.submit("/login", {"username": "council", "password": PASSWORD},
                                  environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(LoginThrottle).where(LoginThrottle.key == "council")) is None


def test_the_try_that_reaches_the_limit_locks_and_staff_see_it(app, world, login_as, client):
    from charity.accounts import auth

    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit - 1):
        client.login("leader", "bad-pass-1")
    last = client.login("leader", "bad-pass-1").get_data(as_text=True)
    assert "账号现已被锁定" in last
    with app.app_context():
        assert auth.is_account_locked("leader")
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.locked"))
        leader_name = db.session.get(User, world.users["leader"]).display_name
        assert event.actor_label == "anonymous" and event.object_label == leader_name
    assert "解锁登录" in login_as("admin").get(f"/accounts/users/{world.users['leader']}").get_data(as_text=True)
    assert client.login("leader").status_code == 429


def test_the_right_password_on_the_last_try_gets_in(app, world, client):
    from charity.accounts import auth

    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] - 1):
        client.login("leader", "bad-pass-1")
    assert client.login("leader").status_code == 302
    with app.app_context():
        assert not auth.is_account_locked("leader")


def test_a_lock_shorter_than_the_window_really_ends(app, world, client):
    from datetime import timedelta

    from charity.models_base import utcnow

    app.config["LOGIN_LOCK_MINUTES"] = 1
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        client.login("leader", "bad-pass-1")
    with app.app_context():
        row = db.session.scalar(sa.select(LoginThrottle).where(LoginThrottle.key == "leader"))
        row.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.login("leader", "bad-pass-1")
    assert response.status_code == 401 and "账号现已被锁定" not in response.get_data(as_text=True)


def test_a_failed_commit_at_sign_in_signs_nobody_in(app, world, monkeypatch):
    import charity.accounts.views as views

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(views, "record_for_user", broken)
    client = app.test_client()
    assert client.login("council").status_code == 500
    assert client.get("/").status_code == 302


def test_trusted_networks_from_the_environment(tmp_path, monkeypatch):
    from charity import create_app

    monkeypatch.setenv("CHARITY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CHARITY_LOGIN_TRUSTED_NETWORKS", "192.168.10.0/24, 10.0.0.0/8")
    networks = create_app({"SECRET_KEY": "x"}).config["LOGIN_TRUSTED_NETWORKS"]
    assert [str(n) for n in networks] == ["192.168.10.0/24", "10.0.0.0/8"]
    monkeypatch.setenv("CHARITY_LOGIN_TRUSTED_NETWORKS", "192.168.10.0/24,office")
    with pytest.raises(ValueError, match="office"):
        create_app({"SECRET_KEY": "x"})


def test_operator_lifts_an_address_lock(app, world, runner):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 2
    client = app.test_client()
    for name in ("x1", "x2", "x3"):
        client.login(name, "bad-pass-1")
    assert client.login("council").status_code == 429
    result = runner.invoke(args=["unlock-address", "127.0.0.1"])
    assert result.exit_code == 0, result.output
    assert client.login("council").status_code == 302


@pytest.mark.parametrize("address,key", [
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("::ffff:192.0.2.1", "192.0.2.1"),
    ("192.0.2.1", "192.0.2.1"),
    ("not-an-ip", "not-an-ip"),
])
def test_address_keys(app, address, key):
    from charity.accounts.auth import address_key

    assert address_key(address) == key


def test_the_previous_persons_language_does_not_stick(app, world):
    client = app.test_client()
    client.login("council")
    client.submit("/language", {"language": "en", "next": "/"})
    client.submit("/logout")
    client.login("auditor")
    assert "首页" in client.get("/").get_data(as_text=True)


def test_password_change_does_not_extend_the_absolute_limit(app, world, login_as):
    client = login_as("leader")
    with client.session_transaction() as sess:
        sess["login_at"] -= 3600
        started = sess["login_at"]
    client.submit("/account/password", {"current": PASSWORD, "password": "newpass2027",
                                        "confirm": "newpass2027"})
    with client.session_transaction() as sess:
        assert sess["login_at"] == started


def test_no_tries_warning_for_a_deactivated_account(app, world, make_user, client):
    make_user(world.a, "volunteer", username="gone", active=False)
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] - 1):
        body = client.login("gone").get_data(as_text=True)
    assert "此账号已停用" in body and "再输错" not in body


def test_wtforms_messages_are_chinese_too(world, login_as):
    admin = login_as("admin")
    body = admin.submit("/accounts/users/new", {
        "username": "newbie", "display_name": "新人", "roles": ["god"], "locale": "",
        "password": "start2026", "confirm": "start2026"}).get_data(as_text=True)
    assert "不是此项的有效选项" in body and "not a valid choice" not in body
    assert "不是有效的日期" in login_as("auditor").get("/audit/?date_from=2026-13-45").get_data(as_text=True)


# -- second walkthrough ----------------------------------------------------------------


def test_a_form_sent_after_the_session_ended_says_it_was_not_saved(app, world, login_as):
    import time

    admin = login_as("admin")
    with admin.session_transaction() as sess:
        sess["last_seen"] = int(time.time()) - app.config["SESSION_IDLE_MINUTES"] * 60 - 5
    response = admin.submit("/accounts/users/new", {"username": "late", "display_name": "迟到",
                                                    "roles": ["volunteer"], "password": "start2026",
                                                    "confirm": "start2026"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/accounts/users/new"
    assert "没有保存" in admin.get("/login").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "late")) is None


def test_the_home_page_asks_for_no_apology(client):
    client.get("/")
    assert "请登录后查看此页面" not in client.get("/login").get_data(as_text=True)
    client.get("/accounts/users")
    assert "请登录后查看此页面" in client.get("/login").get_data(as_text=True)


def test_signing_in_never_lands_on_sign_out(world, client):
    response = client.submit("/login", {"username": "council", "password": PASSWORD, "next": "/logout"})
    assert response.headers["Location"] == "/"


def test_no_deactivate_button_on_ones_own_page(world, login_as):
    page = login_as("admin").get(f"/accounts/users/{world.users['admin']}").get_data(as_text=True)
    assert "/deactivate" not in page


def test_the_forced_change_asks_for_the_temporary_password(app, world, make_user):
    make_user(world.a, "volunteer", username="granny2", must_change_password=True)
    client = app.test_client()
    client.login("granny2")
    assert "临时密码（工作人员给您的密码）" in client.get("/account/password").get_data(as_text=True)


def test_old_counts_are_forgotten(app, world, client):
    from datetime import timedelta

    from charity.models_base import utcnow

    for name in ("made-up-1", "made-up-2"):
        client.login(name, "bad-pass-1")
    with app.app_context():
        for row in db.session.scalars(sa.select(LoginThrottle)):
            row.window_started_at = utcnow() - timedelta(days=2)
        db.session.commit()
    client.login("council")
    with app.app_context():
        keys = set(db.session.scalars(sa.select(LoginThrottle.key)))
    assert "made-up-1" not in keys and "made-up-2" not in keys


# -- third review ----------------------------------------------------------------------


def test_a_running_lock_outlives_its_window(app, world, client):
    from datetime import timedelta

    from charity.models_base import utcnow

    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        client.login("leader", "bad-pass-1")
    with app.app_context():
        row = db.session.scalar(sa.select(LoginThrottle).where(LoginThrottle.key == "leader"))
        row.window_started_at = utcnow() - timedelta(minutes=16)
        row.locked_until = utcnow() + timedelta(minutes=9)
        db.session.commit()
    assert client.login("leader").status_code == 429


def test_expiry_on_a_post_only_route_returns_to_the_page_of_the_form(app, world, login_as):
    import time

    admin = login_as("admin")
    page = f"/accounts/users/{world.users['volunteer']}"
    with admin.session_transaction() as sess:
        sess["last_seen"] = int(time.time()) - app.config["SESSION_IDLE_MINUTES"] * 60 - 5
    response = admin.submit(f"{page}/unlock", headers={"Referer": f"http://localhost{page}"})
    assert response.headers["Location"] == f"/login?next={page}"
    # and with no referrer, simply the sign-in page (never a POST-only address)
    admin2 = login_as("admin")
    with admin2.session_transaction() as sess:
        sess["last_seen"] = int(time.time()) - app.config["SESSION_IDLE_MINUTES"] * 60 - 5
    assert admin2.submit(f"{page}/unlock").headers["Location"] == "/login"


def test_signed_out_elsewhere_then_a_post_says_not_saved(app, world):
    phone, desk = app.test_client(), app.test_client()
    phone.login("admin")
    desk.login("admin")
    token = phone.csrf_token()
    desk.submit("/logout")
    response = phone.post(f"/accounts/users/{world.users['volunteer']}/unlock", data={"csrf_token": token})
    assert response.headers["Location"] == "/login"
    assert "没有保存" in phone.get("/login").get_data(as_text=True)


def test_language_buttons_on_the_sign_in_page_keep_the_destination(client):
    response = client.submit("/language", {"language": "en", "next": "/login?next=/accounts/users"})
    assert response.headers["Location"] == "/login?next=/accounts/users"


def test_an_old_sign_in_tab_of_a_signed_in_user(world, login_as):
    client = login_as("council")
    response = client.post("/login", data={"username": "council", "password": PASSWORD})
    assert response.headers["Location"] == "/"
    assert "登录页面已过期" not in client.get("/").get_data(as_text=True)


def test_a_language_click_after_the_session_was_lost(client):
    client.get("/login")
    with client.session_transaction() as sess:
        sess.clear()
    response = client.post("/language", data={"language": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"


def test_no_lock_event_when_the_last_try_is_right(app, world, client):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] - 1):
        client.login("leader", "bad-pass-1")
    assert client.login("leader").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.locked")) is None


def test_a_lock_of_a_shared_account_shows_in_both_communities(app, world, shared_admin, client):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        client.login("other_admin", "bad-pass-1")
    with app.app_context():
        communities = set(db.session.scalars(
            sa.select(AuditEvent.community_id).where(AuditEvent.action == "user.locked")))
    assert communities == {world.a, world.b}
