"""One transaction per request: commit once on success, roll back on any failure, in one
place (charity/transaction.py); one handler for broken business rules."""

import ast
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import flash, redirect

from charity import transaction
from charity.accounts.models import Community, LoginThrottle
from charity.errors import CharityError, IllegalTransition, NotFound
from charity.extensions import db
from tests.conftest import count_rows

CHARITY = Path(__file__).resolve().parent.parent / "charity"

# The only modules that may end a transaction by hand, and why.
ALLOWED = {
    "transaction.py": "the boundary itself",
}


def _community(slug):
    return db.session.scalar(sa.select(Community).where(Community.slug == slug))


@pytest.fixture
def routes(own_app):
    """Routes that write a community and then succeed, fail or refuse."""
    app = own_app

    def write(slug):
        db.session.add(Community(name=slug, slug=slug))
        db.session.flush()

    @app.route("/_tx/ok", methods=["POST"])
    def _ok():
        write("tx-ok")
        flash("done", "success")
        return redirect("/")

    @app.route("/_tx/raise", methods=["POST"])
    def _raise():
        write("tx-raise")
        raise RuntimeError("boom")

    @app.route("/_tx/refuse", methods=["POST"])
    def _refuse():
        write("tx-refuse")
        raise IllegalTransition("已经有人处理过了")

    @app.route("/_tx/missing")
    def _missing():
        raise NotFound("没有这条记录")

    @app.route("/_tx/answer-400", methods=["POST"])
    def _answer_400():
        write("tx-400")
        return "no", 400

    @app.route("/_tx/keep", methods=["POST"])
    def _keep():
        write("tx-kept")
        transaction.keep()
        write("tx-dropped")
        return "no", 409

    @app.route("/_tx/hooks", methods=["POST"])
    def _hooks():
        write("tx-hooks")
        transaction.on_commit(lambda: app.config.__setitem__("TX_COMMITTED", True))
        transaction.on_rollback(lambda: app.config.__setitem__("TX_ROLLED_BACK", True))
        return "ok"

    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_a_successful_post_commits_once(routes):
    commits = []

    def counted(session):
        commits.append(1)

    sa.event.listen(sa.orm.Session, "after_commit", counted)
    try:
        response = routes.test_client().post("/_tx/ok")
    finally:
        sa.event.remove(sa.orm.Session, "after_commit", counted)
    assert response.status_code == 302
    assert len(commits) == 1
    with routes.app_context():
        assert _community("tx-ok") is not None


def test_a_view_that_raises_after_a_write_leaves_no_row(routes):
    routes.config["PROPAGATE_EXCEPTIONS"] = False
    response = routes.test_client().post("/_tx/raise")
    assert response.status_code == 500
    with routes.app_context():
        assert _community("tx-raise") is None


def test_an_error_status_rolls_back(routes):
    assert routes.test_client().post("/_tx/answer-400").status_code == 400
    with routes.app_context():
        assert _community("tx-400") is None


def test_keep_is_the_escape_hatch_for_a_write_that_must_stay(routes):
    assert routes.test_client().post("/_tx/keep").status_code == 409
    with routes.app_context():
        assert _community("tx-kept") is not None
        assert _community("tx-dropped") is None


def test_on_commit_and_on_rollback_hooks(routes):
    assert routes.test_client().post("/_tx/hooks").status_code == 200
    assert routes.config.get("TX_COMMITTED") and not routes.config.get("TX_ROLLED_BACK")


def test_a_charity_error_answers_with_its_status_and_message(routes):
    client = routes.test_client()
    refused = client.post("/_tx/refuse")
    assert refused.status_code == 409
    assert "已经有人处理过了" in refused.get_data(as_text=True)
    missing = client.get("/_tx/missing")
    assert missing.status_code == 404 and "没有这条记录" in missing.get_data(as_text=True)
    with routes.app_context():
        assert _community("tx-refuse") is None


def test_a_refused_button_goes_back_to_its_page_with_a_flash(routes):
    client = routes.test_client()
    refused = client.post("/_tx/refuse", headers={"Referer": "http://localhost/login?x=1"})
    assert refused.status_code == 302 and refused.headers["Location"] == "/login?x=1"
    with client.session_transaction() as sess:
        assert ("danger", "已经有人处理过了") in sess["_flashes"]
    # Another site's page is no place to go back to.
    elsewhere = client.post("/_tx/refuse", headers={"Referer": "https://evil.example/x"})
    assert elsewhere.status_code == 409
    with routes.app_context():
        assert _community("tx-refuse") is None


def test_atomic_commits_or_rolls_back(app):
    with app.app_context():
        with transaction.atomic():
            db.session.add(Community(name="a", slug="tx-atomic"))
        with pytest.raises(CharityError):
            with transaction.atomic():
                db.session.add(Community(name="b", slug="tx-atomic-no"))
                db.session.flush()
                raise CharityError("no")
    with app.app_context():
        assert _community("tx-atomic") is not None
        assert _community("tx-atomic-no") is None


def test_a_failed_sign_in_is_still_counted(app, world, client):
    response = client.login("council", "wrong-pass-1")
    assert response.status_code == 401
    assert count_rows(app, LoginThrottle) == 2  # the address and the account name


def test_only_the_boundary_commits_or_rolls_back():
    offenders = []
    for path in sorted(CHARITY.rglob("*.py")):
        relative = path.relative_to(CHARITY).as_posix()
        if relative in ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"commit", "rollback"}
                    and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "transaction")):
                offenders.append(f"{relative}:{node.lineno} .{node.func.attr}()")
    assert offenders == []
