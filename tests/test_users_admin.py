"""An admin manages the users and roles of their own community."""

import sqlalchemy as sa

from charity.accounts.models import Membership, User
from charity.audit.models import AuditEvent
from charity.extensions import db
from tests.conftest import count_rows


def _new_user_form(**overrides):
    data = {"username": "xiaoming", "display_name": "小明", "phone": "139 0000 2222",
            "roles": ["volunteer"], "locale": "", "password": "start2026", "confirm": "start2026"}
    data.update(overrides)
    return data


def test_admin_creates_a_user_who_must_change_password(app, world, login_as):
    admin = login_as("admin")
    response = admin.submit("/accounts/users/new", _new_user_form(roles=["volunteer", "leader"]))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "xiaoming"))
        assert user.phone == "13900002222"
        assert user.must_change_password
        assert {m.role.value for m in user.memberships} == {"volunteer", "leader"}
        assert all(m.community_id == world.a for m in user.memberships)
        assert user.password_hash != "start2026"
    fresh = app.test_client()
    response = fresh.login("xiaoming", "start2026")
    assert response.headers["Location"].startswith("/account/password")


def test_create_user_bad_input_changes_nothing(app, world, login_as):
    admin = login_as("admin")
    users = count_rows(app, User)
    events = count_rows(app, AuditEvent)
    cases = [
        (_new_user_form(username="ab"), "3 到 40 个字符"),
        (_new_user_form(username="council"), "用户名已被占用"),
        (_new_user_form(username="other_admin"), "用户名已被占用"),
        (_new_user_form(phone="12345"), "11 位"),
        (_new_user_form(roles=[]), "至少选择一个角色"),
        (_new_user_form(roles=["superuser"]), ""),
        (_new_user_form(password="short1", confirm="short1"), "8 到 128"),
        (_new_user_form(password="onlyletters", confirm="onlyletters"), "字母和数字"),
        (_new_user_form(confirm="different1"), "两次输入的密码不一致"),
        (_new_user_form(display_name="名" * 81), "最多 80 个字符"),
        (_new_user_form(locale="fr"), ""),
    ]
    for data, message in cases:
        response = admin.submit("/accounts/users/new", data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), (data, message)
    assert count_rows(app, User) == users
    assert count_rows(app, AuditEvent) == events


def test_edit_roles_keeps_other_communities_untouched(app, world, make_user, login_as):
    uid = make_user(world.b, "council", username="both")
    with app.app_context():
        from charity.accounts.models import Role

        db.session.add(Membership(user_id=uid, community_id=world.a, role=Role.volunteer))
        db.session.commit()
    admin = login_as("admin")
    response = admin.submit(f"/accounts/users/{uid}/edit", {
        "display_name": "两边", "phone": "", "locale": "en", "roles": ["leader"]})
    assert response.status_code == 302
    with app.app_context():
        roles = {(m.community_id, m.role.value) for m in
                 db.session.scalars(sa.select(Membership).where(Membership.user_id == uid))}
        assert roles == {(world.a, "leader"), (world.b, "council")}


def test_last_admin_cannot_lose_admin_role_or_be_deactivated(app, world, login_as):
    admin = login_as("admin")
    me = world.users["admin"]
    response = admin.submit(f"/accounts/users/{me}/edit", {
        "display_name": "管理员", "phone": "", "locale": "", "roles": ["council"]})
    assert response.status_code == 422
    assert "至少保留一个正常使用的服务中心工作人员账号" in response.get_data(as_text=True)
    with app.app_context():
        assert "admin" in {r.value for r in db.session.get(User, me).roles_in(world.a)}
    response = admin.submit(f"/accounts/users/{me}/deactivate", follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True)


def test_deactivate_and_reactivate(app, world, login_as):
    admin = login_as("admin")
    uid = world.users["merchant"]
    admin.submit(f"/accounts/users/{uid}/deactivate")
    with app.app_context():
        assert not db.session.get(User, uid).active
    assert app.test_client().login("merchant").status_code == 401
    page = admin.get("/accounts/users?status=inactive").get_data(as_text=True)
    assert "merchant" in page
    admin.submit(f"/accounts/users/{uid}/reactivate")
    assert app.test_client().login("merchant").status_code == 302


def test_cannot_deactivate_a_user_shared_with_another_community(app, world, login_as):
    from charity.accounts.models import Role

    with app.app_context():
        db.session.add(Membership(user_id=world.users["volunteer"], community_id=world.b,
                                  role=Role.volunteer))
        db.session.commit()
    admin = login_as("admin")
    response = admin.submit(f"/accounts/users/{world.users['volunteer']}/deactivate",
                            follow_redirects=True)
    assert "另一个社区" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, world.users["volunteer"]).active


def test_reset_password_ends_sessions_and_forces_a_change(app, world, login_as):
    victim = login_as("volunteer")
    admin = login_as("admin")
    uid = world.users["volunteer"]
    response = admin.submit(f"/accounts/users/{uid}/reset-password",
                            {"password": "temp2026a", "confirm": "temp2026a"})
    assert response.status_code == 302
    assert victim.get("/").status_code == 302
    fresh = app.test_client()
    assert fresh.login("volunteer", "temp2026a").headers["Location"].startswith("/account/password")
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.reset_password"))
        assert "temp2026a" not in str(event.after)


def test_reset_password_bad_input(app, world, login_as):
    admin = login_as("admin")
    response = admin.submit(f"/accounts/users/{world.users['volunteer']}/reset-password",
                            {"password": "temp2026a", "confirm": "nope"})
    assert response.status_code == 422
    assert app.test_client().login("volunteer").status_code == 302


def test_user_list_search_and_filters(app, world, login_as):
    admin = login_as("admin")
    html = admin.get("/accounts/users?q=council").get_data(as_text=True)
    assert ">council<" in html and ">volunteer<" not in html
    html = admin.get("/accounts/users?role=auditor").get_data(as_text=True)
    assert ">auditor<" in html and ">council<" not in html
    html = admin.get("/accounts/users?role=bogus&page=abc").get_data(as_text=True)
    assert ">council<" in html


def test_user_list_paginates(app, world, make_user, login_as):
    app.config["PAGE_SIZE"] = 3
    admin = login_as("admin")
    first = admin.get("/accounts/users").get_data(as_text=True)
    second = admin.get("/accounts/users?page=2").get_data(as_text=True)
    assert "共 7 项" in first  # one user per role of the world, the expert reviewer included
    admin_link = f'/accounts/users/{world.users["admin"]}">admin</a>'
    assert admin_link in first and admin_link not in second


def test_users_of_another_community_are_404(app, world, login_as):
    admin = login_as("admin")
    other = world.users["other_volunteer"]
    assert admin.get(f"/accounts/users/{other}").status_code == 404
    assert admin.submit(f"/accounts/users/{other}/deactivate").status_code == 404
    with app.app_context():
        assert db.session.get(User, other).active


def test_a_user_is_never_deleted(app):
    assert not any("delete" in r.endpoint for r in app.url_map.iter_rules())


def test_switch_community(app, world, login_as):
    from charity.accounts.models import Role

    with app.app_context():
        db.session.add(Membership(user_id=world.users["admin"], community_id=world.b, role=Role.auditor))
        db.session.commit()
    client = login_as("admin")
    html = client.get("/").get_data(as_text=True)
    assert "平岗社区" in html  # offered in the switcher
    client.submit("/community", {"community_id": world.b})
    html = client.get("/").get_data(as_text=True)
    assert "平岗社区</h1>" in html
    assert client.get("/accounts/users/new").status_code == 403  # only auditor in B
    assert client.get("/audit/").status_code == 200
    assert client.submit("/community", {"community_id": 99999}).status_code == 404


def test_phones_are_masked_for_roles_that_do_not_need_them(app, world, login_as):
    admin = login_as("admin").get("/accounts/users").get_data(as_text=True)
    assert "13812345678" in admin
    for role in ("council", "auditor"):
        client = login_as(role)
        page = client.get("/accounts/users").get_data(as_text=True)
        assert "138****5678" in page and "13812345678" not in page
        detail = client.get(f"/accounts/users/{world.users['leader']}").get_data(as_text=True)
        assert "138****5678" in detail and "13812345678" not in detail
        # read-only: no edit or action buttons
        assert "/edit" not in detail and "deactivate" not in detail
        # and no probing numbers through the search box
        assert ">leader<" not in client.get("/accounts/users?q=1381234").get_data(as_text=True)


def test_personal_data_in_the_audit_trail_is_masked_for_auditors(app, world, login_as):
    admin = login_as("admin")
    admin.submit(f"/accounts/users/{world.users['volunteer']}/edit", {
        "display_name": "赵阿姨", "phone": "13900001111", "locale": "", "roles": ["volunteer"]})
    with app.app_context():
        event_id = db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "user.update"))
    assert "13900001111" in admin.get(f"/audit/{event_id}").get_data(as_text=True)
    auditor = login_as("auditor")
    detail = auditor.get(f"/audit/{event_id}").get_data(as_text=True)
    assert "139****1111" in detail and "13900001111" not in detail
    export = auditor.get("/audit/export.csv").get_data(as_text=True)
    assert "139****1111" in export and "13900001111" not in export
    assert "13900001111" in admin.get("/audit/export.csv").get_data(as_text=True)


def test_phone_numbers_as_people_write_them(app, world, login_as):
    admin = login_as("admin")
    for typed, stored, username in (("+86 139-0000-3333", "13900003333", "plus86"),
                                    ("8613900004444", "13900004444", "cc86"),
                                    ("139 0000 5555", "13900005555", "spaced")):
        response = admin.submit("/accounts/users/new", _new_user_form(username=username, phone=typed))
        assert response.status_code == 302, typed
        with app.app_context():
            assert db.session.scalar(sa.select(User.phone).where(User.username == username)) == stored
