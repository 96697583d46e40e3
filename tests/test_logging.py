"""Logging: one line per request, audit events after commit, errors with their traceback,
JSON lines on request, and never a phone, ID number, password, token or cookie."""

import json
import logging

import pytest

from charity import logs
from charity.audit import services as audit
from charity.extensions import db

from .conftest import PASSWORD


@pytest.fixture
def log_config(app):
    """Reconfigure the loggers for one test and put the app's own setting back after."""

    def configure(**settings):
        logs.configure({"LOG_LEVEL": "INFO", "LOG_JSON": False, **settings})

    yield configure
    logs.configure(app.config)


def _lines(capsys, logger):
    return [line for line in capsys.readouterr().err.splitlines() if f" {logger}: " in line]


def test_one_line_per_request_with_route_status_duration_and_user(app, world, login_as, capsys,
                                                                   log_config):
    log_config()
    client = login_as("admin")
    capsys.readouterr()
    client.get("/accounts/users?q=13812345678&token=abc")
    lines = _lines(capsys, "charity.request")
    assert len(lines) == 1, lines
    line = lines[0]
    assert " GET /accounts/users 200 " in line
    assert f"user={world.users['admin']}" in line
    assert "ms " in line
    # The query string is not logged at all: it can hold a search for a phone or a token.
    assert "token" not in line and "q=" not in line and "1381234" not in line


def test_a_sign_in_logs_no_password_cookie_or_phone(app, world, client, capsys, log_config):
    log_config(LOG_LEVEL="DEBUG")
    client.login("admin", PASSWORD)
    client.get("/")
    err = capsys.readouterr().err
    assert " POST /login 302 " in err
    assert PASSWORD not in err
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None and cookie.value not in err
    assert "13812345678" not in err  # the users' phone, on the pages just visited


def test_audit_events_are_logged_after_commit_and_not_after_rollback(app, world, capsys,
                                                                    log_config):
    log_config()
    from charity.accounts.models import Community

    with app.app_context():
        community = db.session.get(Community, world.a)
        capsys.readouterr()
        audit.record("test.kept", "thing", 7, community=community)
        assert _lines(capsys, "charity.event") == []  # not yet: it could still roll back
        db.session.commit()
        kept = _lines(capsys, "charity.event")
        audit.record("test.dropped", "thing", 8, community=community)
        db.session.rollback()
        dropped = _lines(capsys, "charity.event")
    assert len(kept) == 1 and "test.kept thing 7 by cli" in kept[0]
    assert dropped == []


def test_a_savepoint_rolled_back_keeps_the_outer_events(app, world, capsys, log_config):
    log_config()
    from charity.accounts.models import Community

    with app.app_context():
        community = db.session.get(Community, world.a)
        capsys.readouterr()
        audit.record("test.outer", "thing", 1, community=community)
        with db.session.begin_nested() as nested:
            audit.record("test.inner", "thing", 2, community=community)
            nested.rollback()
        db.session.commit()
        lines = _lines(capsys, "charity.event")
    assert any("test.outer" in line for line in lines), lines


def test_errors_are_logged_with_their_traceback_and_masked(own_app, capsys):
    @own_app.route("/boom")
    def boom():
        raise RuntimeError("lookup failed for 13912345678 / 510104199001011234")

    capsys.readouterr()
    response = own_app.test_client().get("/boom")
    assert response.status_code == 500
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError" in err
    assert "13912345678" not in err and "139****5678" in err
    assert "510104199001011234" not in err and "510104********1234" in err
    assert " GET /boom 500 " in err


def test_json_lines_for_a_collector(app, world, login_as, capsys, log_config):
    log_config(LOG_JSON=True)
    client = login_as("admin")
    capsys.readouterr()
    client.get("/accounts/users")
    entries = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    requests = [e for e in entries if e["logger"] == "charity.request"]
    assert len(requests) == 1
    entry = requests[0]
    assert entry["method"] == "GET" and entry["route"] == "/accounts/users" and entry["status"] == 200
    assert entry["user_id"] == world.users["admin"]
    assert isinstance(entry["duration_ms"], float) and entry["level"] == "INFO"


def test_the_level_comes_from_configuration(app, world, login_as, capsys, log_config):
    log_config(LOG_LEVEL="WARNING")
    login_as("admin").get("/accounts/users")
    assert _lines(capsys, "charity.request") == []
    assert logging.getLogger("charity.request").getEffectiveLevel() == logging.WARNING


def test_a_wrong_level_fails_at_start_up():
    with pytest.raises(ValueError, match="LOG_LEVEL"):
        logs.configure({"LOG_LEVEL": "LOUD"})


@pytest.mark.parametrize("text, expected", [
    ("call 13812345678 now", "call 138****5678 now"),
    ("id 51010419900101123X.", "id 510104********123X."),
    ("order 2026120512345678901", "order 2026120512345678901"),  # a longer number is not a phone
    ("amount 12345.67", "amount 12345.67"),
])
def test_redaction(text, expected):
    assert logs.redact(text) == expected
