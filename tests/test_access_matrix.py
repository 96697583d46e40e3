"""Every route of the app, requested as anonymous, as each role of community A, and as
the admin of community B, gets the answer this table expects.

A route missing from the table fails ``test_every_route_is_in_the_matrix``: a new
route must say who may reach it, in ``tests/access_<domain>.py`` (see ``access_rules.py``).
"""

import importlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.access_rules import (
    ACTORS,
    EVERYONE,
    FORBIDDEN,
    INVALID,
    LOGIN,
    MISSING,
    OK,
    REDIRECT,
    UNPROCESSABLE,
    rule,
)
from tests.conftest import ROLES

# (endpoint, method) -> (expected answer per actor, form data for POSTs)
FOUNDATION = {
    ("static", "GET"): rule(anonymous=OK, allowed=EVERYONE),
    ("main.healthz", "GET"): rule(anonymous=OK, allowed=EVERYONE),
    ("main.index", "GET"): rule(allowed=EVERYONE),
    ("accounts.login", "GET"): rule(anonymous=OK, allowed=EVERYONE, ok=REDIRECT),
    ("accounts.login", "POST"): rule(anonymous=INVALID, allowed=EVERYONE, ok=REDIRECT),
    ("accounts.logout", "GET"): rule(allowed=EVERYONE),
    ("accounts.logout", "POST"): rule(allowed=EVERYONE, ok=LOGIN),
    ("accounts.password", "GET"): rule(allowed=EVERYONE),
    ("accounts.password", "POST"): rule(allowed=EVERYONE, ok=INVALID),
    ("accounts.language", "POST"): rule(anonymous=REDIRECT, allowed=EVERYONE, ok=REDIRECT,
                                        data={"language": "en", "next": "/"}),
    ("accounts.switch_community", "POST"): rule(allowed=EVERYONE, ok=REDIRECT, other=MISSING,
                                                data={"community_id": "{community_a}"}),
    ("accounts.users", "GET"): rule(allowed={"admin", "council", "auditor"}),
    ("accounts.user_new", "GET"): rule(allowed={"admin"}),
    ("accounts.user_new", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE),
    ("accounts.user_detail", "GET"): rule(allowed={"admin", "council", "auditor"}, other=MISSING),
    ("accounts.user_edit", "GET"): rule(allowed={"admin"}, other=MISSING),
    ("accounts.user_edit", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("accounts.user_deactivate", "POST"): rule(allowed={"admin"}, ok=REDIRECT, other=MISSING),
    ("accounts.user_reactivate", "POST"): rule(allowed={"admin"}, ok=REDIRECT, other=MISSING),
    ("accounts.user_unlock", "POST"): rule(allowed={"admin"}, ok=REDIRECT, other=MISSING),
    ("accounts.user_reset_password", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("audit.index", "GET"): rule(allowed={"admin", "council", "auditor"}),
    ("audit.detail", "GET"): rule(allowed={"admin", "council", "auditor"}, other=MISSING),
    ("audit.export", "GET"): rule(allowed={"admin", "council", "auditor"}),
}


def _domain_tables():
    matrix, samples = dict(FOUNDATION), {}
    for path in sorted(Path(__file__).parent.glob("access_*.py")):
        if path.stem == "access_rules":
            continue
        module = importlib.import_module(f"tests.{path.stem}")
        overlap = set(matrix) & set(module.MATRIX)
        assert not overlap, f"{path.name} repeats {sorted(overlap)}"
        matrix.update(module.MATRIX)
        samples.update(getattr(module, "SAMPLES", {}))
    return matrix, samples


MATRIX, SAMPLES = _domain_tables()


def _routes(app):
    for r in app.url_map.iter_rules():
        for method in sorted(r.methods - {"HEAD", "OPTIONS"}):
            yield r, method


def test_every_route_is_in_the_matrix(app):
    routes = {(r.endpoint, method) for r, method in _routes(app)}
    missing = routes - set(MATRIX)
    stale = set(MATRIX) - routes
    assert not missing, f"routes without an access rule: {sorted(missing)}"
    assert not stale, f"rules for routes that no longer exist: {sorted(stale)}"


def _url_values(app, world, arguments):
    from charity.audit.models import AuditEvent
    from charity.extensions import db

    values = {}
    for name in arguments:
        if name == "user_id":
            values[name] = world.users["volunteer"]
        elif name == "event_id":
            with app.app_context():
                values[name] = db.session.scalar(
                    sa.select(sa.func.min(AuditEvent.id)).where(AuditEvent.community_id == world.a))
        elif name == "filename":
            values[name] = "app.css"
        elif name in SAMPLES:
            values[name] = SAMPLES[name](app, world)
        else:  # pragma: no cover - a new kind of argument needs a sample value here
            raise AssertionError(f"no sample value for URL argument {name!r}")
    return values


def _url(app, world, endpoint, method):
    r = next(r for r, m in _routes(app) if r.endpoint == endpoint and m == method)
    with app.test_request_context():
        return app.url_for(endpoint, **_url_values(app, world, r.arguments))


def _mismatch(app, world, login_as, endpoint, method, actor, url):
    """None when ``actor`` gets the expected answer, else a description of what it got."""
    expected_by_actor, data = MATRIX[(endpoint, method)]
    expected = expected_by_actor[actor]
    client = app.test_client() if actor == "anonymous" else login_as(actor)
    if method == "GET":
        response = client.get(url)
    else:
        form = {k: (str(world.a) if v == "{community_a}" else v) for k, v in data.items()}
        response = client.submit(url, form)
    status = response.status_code
    location = response.headers.get("Location", "")
    response.close()
    if expected == LOGIN:
        good = status == 302 and location.startswith("/login")
    elif expected == REDIRECT:
        good = status == 302 and not location.startswith("/login")
    else:
        good = status == expected
    return None if good else f"{actor}: expected {expected}, got {status} {location}".rstrip()


# A GET changes nothing, and neither does a refused POST, so one world serves all of
# those actors; each actor a POST lets through gets a world of its own.
REFUSED = (LOGIN, FORBIDDEN, MISSING)
READS = sorted(endpoint for endpoint, method in MATRIX if method == "GET")
REFUSED_WRITES = sorted((endpoint, method) for (endpoint, method) in MATRIX if method != "GET")
ALLOWED_WRITES = [(endpoint, method, actor) for (endpoint, method) in REFUSED_WRITES
                  for actor in ACTORS if MATRIX[(endpoint, method)][0][actor] not in REFUSED]


@pytest.mark.parametrize("endpoint", READS)
def test_read_access(app, world, login_as, endpoint):
    url = _url(app, world, endpoint, "GET")
    failures = [m for actor in ACTORS
                if (m := _mismatch(app, world, login_as, endpoint, "GET", actor, url))]
    assert not failures, f"GET {url}: " + "; ".join(failures)


@pytest.mark.parametrize("endpoint,method", REFUSED_WRITES,
                         ids=[f"{e}-{m}" for e, m in REFUSED_WRITES])
def test_write_refused(app, world, login_as, endpoint, method):
    url = _url(app, world, endpoint, method)
    refused = [a for a in ACTORS if MATRIX[(endpoint, method)][0][a] in REFUSED]
    failures = [m for actor in refused
                if (m := _mismatch(app, world, login_as, endpoint, method, actor, url))]
    assert not failures, f"{method} {url}: " + "; ".join(failures)


@pytest.mark.parametrize("endpoint,method,actor", ALLOWED_WRITES,
                         ids=[f"{e}-{m}-{a}" for e, m, a in ALLOWED_WRITES])
def test_write_allowed(app, world, login_as, endpoint, method, actor):
    url = _url(app, world, endpoint, method)
    failure = _mismatch(app, world, login_as, endpoint, method, actor, url)
    assert failure is None, f"{method} {url}: {failure}"


def test_other_community_admin_sees_none_of_a_in_lists(app, world, login_as):
    client = login_as("other_admin")
    users = client.get("/accounts/users").get_data(as_text=True)
    assert "other_volunteer" in users
    for role in ROLES:
        assert f">{role}<" not in users
    audit = client.get("/audit/").get_data(as_text=True)
    assert "东怡社区" not in audit
    export = client.get("/audit/export.csv").get_data(as_text=True)
    assert "dongyi" not in export and "东怡" not in export
