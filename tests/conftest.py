"""Shared fixtures: an app on a fresh database per test, clients, users per role.

The suite runs on SQLite by default, spread over the machine's cores by pytest-xdist. Set ``CHARITY_TEST_DATABASE_URL`` (for example
``postgresql://postgres@127.0.0.1:5432/test``) to run the same tests on PostgreSQL; that
database's ``public`` schema is dropped and rebuilt from the migrations first.
"""

import hashlib
import os
import re
import shutil
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from charity import create_app
from charity.extensions import db


def _database_of_this_worker(url):
    """Under pytest-xdist each worker runs on a PostgreSQL database of its own
    (``test_gw0``, ``test_gw1``...), created beside the given one on first use."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not url.startswith("postgres") or not worker:
        return url
    base, _, name = url.rpartition("/")
    own = f"{name}_{worker}"
    admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own}):
            conn.execute(sa.text(f'CREATE DATABASE "{own}"'))
    admin.dispose()
    return f"{base}/{own}"


TEST_DATABASE_URL = _database_of_this_worker(os.environ.get("CHARITY_TEST_DATABASE_URL"))
PASSWORD = "secret2026"
ROLES = ("admin", "council", "expert", "leader", "auditor", "merchant", "volunteer")


def is_postgres():
    return bool(TEST_DATABASE_URL) and TEST_DATABASE_URL.startswith("postgres")


class CharityClient(FlaskClient):
    """A test client whose ``submit`` adds a valid CSRF token, as a browser's form would."""

    def csrf_token(self):
        with self.session_transaction() as sess:
            if "csrf_token" not in sess:
                sess["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
            raw = sess["csrf_token"]
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def submit(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)

    def login(self, username, password=PASSWORD):
        return self.submit("/login", {"username": username, "password": password})


def base_config(database_url):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


def _build_schema(database_url, instance_path):
    from charity.cli import upgrade_to_head

    previous = os.environ.get("CHARITY_INSTANCE_PATH")
    os.environ["CHARITY_INSTANCE_PATH"] = str(instance_path)
    try:
        app = create_app(base_config(database_url))
    finally:
        if previous is None:
            os.environ.pop("CHARITY_INSTANCE_PATH")
        else:
            os.environ["CHARITY_INSTANCE_PATH"] = previous
    with app.app_context():
        if is_postgres():
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade_to_head()
        db.engine.dispose()


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory):
    """A database at head, built once per run from the migrations (not create_all), so
    the tests exercise the same schema, triggers included, as production."""
    base = tmp_path_factory.mktemp("schema")
    if is_postgres():
        _build_schema(TEST_DATABASE_URL, base)
        return None
    path = base / "template.sqlite"
    _build_schema(f"sqlite:///{path}", base)
    return path


@pytest.fixture(scope="session")
def _shared_app(schema_template, tmp_path_factory):
    """One app for the whole run: building the URL map compiles every route, which costs
    more than most tests. Each test still gets a fresh database and instance folder, and
    its changes to configuration and extensions are undone (see ``app``)."""
    base = tmp_path_factory.mktemp("app")
    database = base / "charity.sqlite"
    url = TEST_DATABASE_URL if is_postgres() else f"sqlite:///{database}"
    previous = os.environ.get("CHARITY_INSTANCE_PATH")
    os.environ["CHARITY_INSTANCE_PATH"] = str(base / "instance")
    try:
        app = create_app(base_config(url))
    finally:
        if previous is None:
            os.environ.pop("CHARITY_INSTANCE_PATH")
        else:
            os.environ["CHARITY_INSTANCE_PATH"] = previous
    app.test_client_class = CharityClient
    return app, database


def _fresh_sqlite(app, database, template):
    with app.app_context():
        db.engine.dispose()
    for leftover in (database, database.with_name(database.name + "-wal"),
                     database.with_name(database.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(template, database)


@pytest.fixture
def app(_shared_app, schema_template, tmp_path, monkeypatch):
    """The app on a fresh database at head, with an instance folder of this test's own."""
    app, database = _shared_app
    monkeypatch.setenv("CHARITY_INSTANCE_PATH", str(tmp_path / "instance"))
    config, extensions, instance_path = dict(app.config), dict(app.extensions), app.instance_path
    app.instance_path = str(tmp_path / "instance")
    os.makedirs(app.instance_path, exist_ok=True)
    if not is_postgres():
        _fresh_sqlite(app, database, schema_template)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            if is_postgres():
                with db.engine.begin() as conn:
                    # Replica mode skips the append-only triggers (and foreign-key checks)
                    # for this cleanup connection only. DELETE on a few rows is ten times
                    # quicker than TRUNCATE, which makes new files for every table.
                    conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
                    for table in reversed(db.metadata.sorted_tables):
                        conn.execute(table.delete())
                    conn.execute(sa.text(
                        "SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'"))
            db.engine.dispose()
        app.config.clear()
        app.config.update(config)
        app.extensions.clear()
        app.extensions.update(extensions)
        app.instance_path = instance_path


@pytest.fixture
def own_app(app):
    """A new app on the test's database, for a test that adds routes of its own (the
    shared app is past its first request, when Flask stops taking new routes)."""
    own = create_app(base_config(app.config["DATABASE_URL"]))
    own.test_client_class = CharityClient
    yield own
    with own.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context, for calling services and querying directly."""
    with app.app_context():
        yield


@pytest.fixture
def make_community(app):
    from charity.accounts import services

    def make(slug="dongyi", name=None, **kwargs):
        with app.app_context():
            community = services.create_community(name=name or f"{slug}社区", slug=slug,
                                                  street=kwargs.get("street", "东湖街道"),
                                                  district=kwargs.get("district", "锦江区"))
            db.session.commit()
            return community.id

    return make


@pytest.fixture
def make_user(app):
    """``make_user(community_id, "admin", username=...)`` -> user id (password PASSWORD)."""
    from charity.accounts import services
    from charity.accounts.models import Community

    counter = {"n": 0}

    def make(community_id, *roles, username=None, display_name=None, phone=None,
             must_change_password=False, active=True):
        counter["n"] += 1
        with app.app_context():
            community = db.session.get(Community, community_id)
            user = services.create_user(
                community,
                username=username or f"user{counter['n']}",
                display_name=display_name or f"用户{counter['n']}",
                phone=phone,
                password=PASSWORD,
                roles=list(roles) or ["volunteer"],
                must_change_password=must_change_password,
            )
            user.active = active
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def world(app, make_community, make_user):
    """Community A (dongyi) with one user per role, and community B with its own admin
    and volunteer. Usernames are the role names; B's are ``other_admin``, ``other_volunteer``."""
    a = make_community("dongyi", "东怡社区")
    b = make_community("pinggang", "平岗社区", street="五津街道", district="新津区")
    users = {role: make_user(a, role, username=role, phone="13812345678") for role in ROLES}
    users["other_admin"] = make_user(b, "admin", username="other_admin")
    users["other_volunteer"] = make_user(b, "volunteer", username="other_volunteer")
    return SimpleNamespace(a=a, b=b, users=users)


@pytest.fixture
def login_as(app, world):
    """``login_as("council")`` -> a client signed in as that user of community A."""

    def login(username):
        client = app.test_client()
        response = client.login(username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return login


_CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_from(html):
    match = _CSRF_INPUT.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def count_rows(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))
