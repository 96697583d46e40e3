"""Command line: init-db, create-admin, demo."""

import sqlalchemy as sa

from charity.accounts.models import Community, Membership, User
from charity.audit.models import AuditEvent
from charity.extensions import db


def _counts(app):
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                     for m in (Community, User, Membership, AuditEvent))


def test_init_db_is_repeatable(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "数据库已就绪" in result.output
    assert runner.invoke(args=["init-db"]).exit_code == 0


def test_demo_creates_dongyi_with_a_login_per_role_and_is_idempotent(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for username in ("admin", "council", "leader", "auditor", "merchant", "volunteer"):
        assert username in result.output
    assert "dongyi2026" in result.output
    first = _counts(app)
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert _counts(app) == first
    with app.app_context():
        community = db.session.scalar(sa.select(Community).where(Community.slug == "dongyi"))
        assert (community.name, community.street, community.district) == ("东怡社区", "东湖街道", "锦江区")
        roles = {(m.user.username, m.role.value) for m in community.memberships}
        assert {(r, r) for r in ("admin", "council", "expert", "leader", "auditor", "merchant", "volunteer")} <= roles
        # The micro-venture demo adds two council members and a sign-in for every team's leader.
        assert {role for _u, role in roles} == {"admin", "council", "expert", "leader", "auditor", "merchant",
                                                "volunteer"}
    client = app.test_client()
    assert client.login("leader", "dongyi2026").status_code == 302


def test_create_admin_creates_community_and_admin(app, runner):
    result = runner.invoke(args=["create-admin", "--community", "qingquan", "--community-name", "清泉社区",
                                 "--street", "涌泉街道", "--district", "温江区", "--username", "Boss",
                                 "--display-name", "清泉管理员", "--password", "strong2026"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "boss"))
        assert [m.role.value for m in user.memberships] == ["admin"]
        assert user.memberships[0].community.name == "清泉社区"
        assert not user.must_change_password
    assert app.test_client().login("boss", "strong2026").status_code == 302


def test_create_admin_prompts_for_password(app, runner):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["create-admin", "--community", "dongyi", "--username", "second",
                                 "--display-name", "第二位"], input="hidden2026\nhidden2026\n")
    assert result.exit_code == 0, result.output
    assert "hidden2026" not in result.output


def test_create_admin_refuses_bad_input_and_writes_nothing(app, runner):
    runner.invoke(args=["demo"])
    before = _counts(app)
    cases = [
        ["--community", "nowhere", "--username", "x1", "--display-name", "X", "--password", "good2026"],
        ["--community", "dongyi", "--username", "admin", "--display-name", "X", "--password", "good2026"],
        ["--community", "dongyi", "--username", "weak", "--display-name", "X", "--password", "short"],
    ]
    for args in cases:
        result = runner.invoke(args=["create-admin", *args])
        assert result.exit_code != 0
        assert "Error" in result.output
    assert _counts(app) == before
