"""Bad input gets a clear answer, never a 500: every POST route of the access matrix,
as an actor the matrix lets through, with every field of its form set to garbage.

The fields come from the route's GET page when it has one (every ``name="..."`` of an
input, select or textarea), from the WTForms classes and ``request.form`` reads in its
view's source, from the matrix row's own form data, and from the page a first POST of
that data re-renders or redirects to. ``idempotency_key`` is fresh on every request, so
a repeated key cannot hide an error behind a replayed answer. A 500 is reported with
the endpoint, the payload, the page's words and the last lines of the logged traceback;
an endpoint known to fail goes in ``KNOWN_500`` (a strict xfail) until the app is fixed.
"""

import inspect
import logging
import re
import secrets
import traceback

import pytest

from tests.access_rules import ACTORS
from tests.test_access_matrix import MATRIX, REFUSED, _routes, _url

PAYLOADS = {
    "chinese_5000": "社区志愿服务" * 834,  # 5,004 characters
    "minus_one": "-1",
    "huge_number": "99999999999999999999",
    "letters": "abc",
    "bad_date": "2026-02-30",
    "empty": "",
    "nul": "\x00",
}

_FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*?\bname="([^"]+)"', re.IGNORECASE)
_FORM_CLASS = re.compile(r"\b([A-Z]\w*Form)\(")
_RAW_FIELD = re.compile(r"request\.form(?:\.get|\.getlist|\.get_all)?[\[(]\s*[\"']([^\"']+)[\"']")

WRITES = sorted(endpoint for endpoint, method in MATRIX if method == "POST")
GET_PAGES = {endpoint for endpoint, method in MATRIX if method == "GET"}

# 500s this module found; each is a bug for the application to fix (strict: once fixed,
# the xfail fails and the mark must go).
KNOWN_500 = {}


def _actor(endpoint):
    expected = MATRIX[(endpoint, "POST")][0]
    allowed = [a for a in ACTORS if a != "anonymous" and expected[a] not in REFUSED]
    if "admin" in allowed:
        return "admin"
    if allowed:
        return allowed[0]
    return "anonymous"


def _form_class_fields(app, endpoint):
    """Field names of the WTForms classes the view constructs, and of ``request.form`` reads."""
    view = app.view_functions[endpoint]
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):  # pragma: no cover - a view without source
        return set()
    names = set(_RAW_FIELD.findall(source))
    module_globals = inspect.unwrap(view).__globals__
    for class_name in set(_FORM_CLASS.findall(source)):
        form_class = module_globals.get(class_name)
        if form_class is None:
            for value in module_globals.values():  # ``forms.UserForm(`` style
                form_class = getattr(value, class_name, None) if inspect.ismodule(value) else None
                if form_class is not None:
                    break
        if form_class is None:
            continue
        with app.test_request_context():
            try:
                form = form_class(meta={"csrf": False})
            except Exception:  # noqa: BLE001 - a form needing constructor arguments
                continue
            names.update(field.name for field in form)
    return names


def _fields(app, world, client, endpoint, url):
    """The field names to fill, and what went wrong (a 500) posting the matrix's own form."""
    names = set(MATRIX[(endpoint, "POST")][1]) | _form_class_fields(app, endpoint)
    if endpoint in GET_PAGES:
        rule = next(r for r, m in _routes(app) if r.endpoint == endpoint and m == "GET")
        if rule.arguments == next(r for r, m in _routes(app)
                                  if r.endpoint == endpoint and m == "POST").arguments:
            response = client.get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                names.update(_FIELD.findall(response.get_data(as_text=True)))
            response.close()
    # A refused POST re-renders its form, which names the fields of forms built by a
    # factory (``score_form(criteria)``) that the view's source does not name.
    data = {k: (str(world.a) if v == "{community_a}" else v)
            for k, v in MATRIX[(endpoint, "POST")][1].items()}
    try:
        response = client.submit(url, data)
    except Exception as exc:  # noqa: BLE001 - TESTING propagates a view's exception
        return sorted(names - {"csrf_token"}), f"raised {exc!r}"[:300]
    if response.mimetype == "text/html":
        names.update(_FIELD.findall(response.get_data(as_text=True)))
    probe, location = response.status_code, response.headers.get("Location", "")
    response.close()
    if probe == 302 and not location.startswith("/login"):
        # A form posted from another page goes back there: that page names its fields.
        page = client.get(location)
        if page.status_code == 200 and page.mimetype == "text/html":
            names.update(_FIELD.findall(page.get_data(as_text=True)))
        page.close()
    names.discard("csrf_token")
    return sorted(names), (f"{probe}" if probe >= 500 else None)


def _params():
    for endpoint in WRITES:
        if endpoint in KNOWN_500:
            yield pytest.param(endpoint, id=endpoint, marks=pytest.mark.xfail(
                strict=True, reason=f"500 on {KNOWN_500[endpoint]}"))
        else:
            yield pytest.param(endpoint, id=endpoint)


def _text(html):
    """The words of the page's ``<main>``: the start of a 500 page is all ``<head>``."""
    main = re.search(r"<main\b[^>]*>(.*?)</main>", html, re.DOTALL)
    body = main.group(1) if main else html
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


@pytest.mark.parametrize("endpoint", list(_params()))
def test_garbage_post_is_never_a_500(app, world, login_as, endpoint):
    raised = []

    class Record(logging.Handler):
        """The app logs an unexpected exception before rendering its 500 page."""

        def emit(self, record):
            if record.exc_info and record.exc_info[1] is not None:
                lines = traceback.format_exception(record.exc_info[1])[-3:]
                raised.append("".join(lines).strip()[-400:])

    handler = Record(level=logging.ERROR)
    app.logger.addHandler(handler)
    try:
        _post_garbage(app, world, login_as, endpoint, raised)
    finally:
        app.logger.removeHandler(handler)


def _post_garbage(app, world, login_as, endpoint, raised):
    actor = _actor(endpoint)
    client = app.test_client() if actor == "anonymous" else login_as(actor)
    url = _url(app, world, endpoint, "POST")
    fields, probe_failure = _fields(app, world, client, endpoint, url)
    failures = [f"{endpoint} [matrix form] as {actor}: {probe_failure}"] if probe_failure else []
    for payload_name, value in PAYLOADS.items():
        data = {name: value for name in fields}
        if "idempotency_key" in data:
            data["idempotency_key"] = secrets.token_hex(16)
        try:
            response = client.submit(url, data)
        except Exception as exc:  # noqa: BLE001 - TESTING propagates a view's exception
            last = "".join(traceback.format_exception(exc)[-3:]).strip()[-300:]
            failures.append(f"{endpoint} [{payload_name}] as {actor}: raised {last}")
            continue
        if response.status_code >= 500:
            body = _text(response.get_data(as_text=True))[:300]
            cause = f"\n    {raised[-1]}" if raised else ""
            failures.append(f"{endpoint} [{payload_name}] as {actor}: {response.status_code} {body}{cause}")
        response.close()
    assert not failures, f"POST {url} fields={fields}:\n" + "\n".join(failures)
