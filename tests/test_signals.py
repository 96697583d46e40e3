"""Cross-domain reactions are blinker signals connected by create_app, so what a script
imports does not change what the app does.

Each test runs a small script in a fresh interpreter: the modules imported by this
test session (every domain, through the shared app) must not hide a missing connection.
"""

import os
import subprocess
import sys
import textwrap

from charity import signals

VERIFY_SCRIPT = textwrap.dedent('''
    import sys
    from datetime import date, datetime, timezone

    from charity.projects import services as projects  # the only domain imported

    assert "charity.points.earning" not in sys.modules, "projects pulled in points"
    from charity import signals
    assert not signals.activity_verified.receivers, "an import connected a receiver"

    from charity import create_app
    from charity.cli import upgrade_to_head
    from charity.extensions import db

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": sys.argv[1],
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade_to_head()
    with app.test_request_context():
        from charity.accounts import services as accounts
        from charity.points.models import PointAccount
        from charity.teams import services as teams
        from charity.teams.models import TeamRole
        import sqlalchemy as sa

        community = accounts.create_community(name="东怡社区", slug="dongyi")
        team = teams.create_team(community, name="小暖芽亲子志愿者服务队", focus_groups=["children"])
        lead = teams.create_volunteer(community, name="张小暖", phone="13900000001", team=team,
                                      role=TeamRole.leader, joined_on=date(2026, 1, 1))
        member = teams.create_volunteer(community, name="赵阿姨", phone="13900000002", team=team,
                                        joined_on=date(2026, 1, 1))
        project = projects.create_project(community, title="亲子共读", target_groups=["children"])
        projects.transition_project(project, "claim", team=team)
        projects.transition_project(project, "confirm")
        activity = projects.create_activity(
            project, title="绘本共读", kind="reading",
            starts_at=datetime(2026, 3, 7, 1, 0, tzinfo=timezone.utc),
            ends_at=datetime(2026, 3, 7, 3, 0, tzinfo=timezone.utc),
            roster={lead.id: 120, member.id: 90}, beneficiaries={"children": 12})
        projects.transition_activity(activity, "submit")
        projects.verify_activity(activity)
        db.session.commit()
        assert signals.activity_verified.receivers, "create_app connected no receiver"
        balances = dict(db.session.execute(sa.select(PointAccount.volunteer_id, PointAccount.balance)).all())
        print("BALANCES", balances[lead.id], balances[member.id])
''')

IMPORT_SCRIPT = textwrap.dedent('''
    import sys
    import charity.grants.rounds, charity.grants.panels, charity.grants.applications  # noqa
    import charity.grants.review, charity.grants.council, charity.grants.notice  # noqa
    import charity.grants.agreements, charity.grants.tranches, charity.grants.evaluations  # noqa
    import charity.grants.claims, charity.grants.closing, charity.grants.documents  # noqa
    import charity.fund.income_spending, charity.fund.ledger, charity.fund.periods, charity.fund.verification  # noqa
    import charity.points.earning, charity.points.expiry, charity.points.ledger  # noqa
    import charity.points.redemptions, charity.points.rules  # noqa
    import charity.projects.services, charity.partners.services, charity.needs.services  # noqa
    views = sorted(m for m in sys.modules if m.startswith("charity.") and
                   (m.rsplit(".", 1)[-1].startswith("views") or m.endswith(".public")))
    print("VIEWS", views)
''')


def _run(script, *args, tmp_path):
    env = dict(os.environ, CHARITY_INSTANCE_PATH=str(tmp_path / "instance"))
    env.pop("CHARITY_TEST_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                            env=env, timeout=300, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_verifying_awards_points_when_only_projects_was_imported(tmp_path):
    out = _run(VERIFY_SCRIPT, f"sqlite:///{tmp_path / 'charity.sqlite'}", tmp_path=tmp_path)
    # the default rule: 10 points an hour (2 h and 1.5 h on the roster)
    assert "BALANCES 20 15" in out, out


def test_services_load_no_views(tmp_path):
    out = _run(IMPORT_SCRIPT, tmp_path=tmp_path)
    assert "VIEWS []" in out, out


def test_receivers_are_connected_by_create_app(app):
    from charity.fund.ledger import ensure_chart
    from charity.partners.services import seed_categories
    from charity.points.earning import _on_verified
    from charity.points.rules import seed_points

    def connected(signal):
        return set(signal.receivers_for(object()))

    assert {ensure_chart, seed_categories, seed_points} <= connected(signals.community_created)
    assert _on_verified in connected(signals.activity_verified)
    from charity.projects.services import _on_grant_moved

    assert _on_grant_moved in connected(signals.grant_moved)
