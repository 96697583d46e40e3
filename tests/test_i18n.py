"""Chinese first, English second; every message translated; every page in both."""

import subprocess
import sys

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from charity import ROOT

TRANSLATIONS = ROOT / "charity" / "translations"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages the code and templates use now, freshly extracted."""
    out = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [sys.executable, "-c", "from babel.messages.frontend import main; main()",
         "extract", "-F", str(TRANSLATIONS / "babel.cfg"), "-k", "_l", "-k", "lazy_ngettext:1,2", "--no-location",
         "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with open(out, "rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_catalogue_is_complete(extracted, locale):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalogue = read_po(fh)
    messages = {m.id: m for m in catalogue if m.id}
    missing = {str(i) for i in extracted} - {str(i) for i in messages}
    assert not missing, f"not in the {locale} catalogue (run pybabel update): {sorted(missing)}"
    untranslated = [m.id for m in messages.values()
                    if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert not untranslated, f"untranslated in {locale}: {untranslated}"
    fuzzy = [m.id for m in messages.values() if m.fuzzy]
    assert not fuzzy, f"fuzzy in {locale}: {fuzzy}"
    obsolete = [m.id for m in messages.values() if m.id not in extracted]
    assert not obsolete, f"messages no longer used, in {locale}: {obsolete}"


def _key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_compiled_catalogue_matches_the_source(locale):
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as fh:
        po = {_key(m.id): _key(m.string) for m in read_po(fh) if m.id}
    with open(folder / "messages.mo", "rb") as fh:
        mo = {_key(m.id): _key(m.string) for m in read_mo(fh) if m.id}
    assert po == mo, "run: pybabel compile -d charity/translations"


def test_chinese_translations_are_chinese():
    with open(TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalogue = read_po(fh)
    for m in catalogue:
        if not m.id:
            continue
        text = "".join(m.string) if isinstance(m.string, tuple) else m.string
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), (m.id, text)


def test_default_language_is_chinese(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in html and "登录" in html


def test_browser_language_is_followed(client):
    html = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in html and "Sign in" in html
    html = client.get("/login", headers={"Accept-Language": "fr-FR,zh-CN;q=0.5"}).get_data(as_text=True)
    assert "登录" in html


def test_choice_on_the_login_page_sticks_and_is_saved_for_the_user(app, world, client):
    client.submit("/language", {"language": "en", "next": "/login"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    client.login("council")
    assert "Home" in client.get("/").get_data(as_text=True)
    client.submit("/language", {"language": "zh", "next": "/"})
    from charity.accounts.models import User
    from charity.extensions import db

    with app.app_context():
        assert db.session.get(User, world.users["council"]).locale == "zh"
    # the saved choice beats the browser's
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "首页" in html


def test_unknown_language_is_ignored(client):
    response = client.submit("/language", {"language": "xx", "next": "/login"})
    assert response.status_code == 302
    assert "登录" in client.get("/login").get_data(as_text=True)


def _get_routes(app):
    from tests.test_access_matrix import MATRIX

    for (endpoint, method), (expected, _data) in MATRIX.items():
        if method == "GET" and endpoint not in ("static", "main.healthz", "accounts.login"):
            yield endpoint, expected


@pytest.mark.parametrize("locale,marker", [("zh", 'lang="zh-CN"'), ("en", 'lang="en"')])
def test_every_page_renders_in_both_languages(app, world, login_as, locale, marker):
    from tests.test_access_matrix import _routes, _url_values

    pages = 0
    for role in ("admin", "auditor", "volunteer"):
        client = login_as(role)
        client.submit("/language", {"language": locale, "next": "/"})
        for endpoint, expected in _get_routes(app):
            if expected[role] != 200:
                continue
            rule = next(r for r, m in _routes(app) if r.endpoint == endpoint and m == "GET")
            with app.test_request_context():
                url = app.url_for(endpoint, **_url_values(app, world, rule.arguments))
            response = client.get(url)
            # PDFs and spreadsheets are bytes; only text answers are decoded.
            body = response.get_data(as_text=response.mimetype.startswith("text/"))
            response.close()
            assert response.status_code == 200, (role, url, response.headers.get("Location"))
            if response.mimetype == "text/html":
                assert marker in body, url
                pages += 1
    anonymous = app.test_client()
    anonymous.submit("/language", {"language": locale, "next": "/login"})
    for url in ("/login", "/no-such-page"):
        assert marker in anonymous.get(url).get_data(as_text=True)
    assert pages >= 10
