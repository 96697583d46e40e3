"""The migrations build exactly the schema the models describe, on SQLite and (with
CHARITY_TEST_DATABASE_URL set) on PostgreSQL."""

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from charity import create_app
from charity.cli import upgrade_to_head
from charity.extensions import db
from tests.conftest import TEST_DATABASE_URL, base_config, is_postgres


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new empty database: a new SQLite file, or a new PostgreSQL database."""
    if not is_postgres():
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    name = f"charity_migration_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base, _, _ = TEST_DATABASE_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _diff(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                           "compare_server_default": True})
    return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_matches_models(empty_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CHARITY_INSTANCE_PATH", str(tmp_path))
    app = create_app(base_config(empty_database_url))
    with app.app_context():
        upgrade_to_head()
        with db.engine.connect() as conn:
            assert _diff(conn) == []
            tables = set(sa.inspect(conn).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        db.engine.dispose()


def test_downgrade_to_base_and_up_again(empty_database_url, tmp_path, monkeypatch):
    from flask_migrate import downgrade

    monkeypatch.setenv("CHARITY_INSTANCE_PATH", str(tmp_path))
    app = create_app(base_config(empty_database_url))
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade_to_head()
        downgrade(directory=directory, revision="base")
        with db.engine.connect() as conn:
            left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()
        upgrade_to_head()
        with db.engine.connect() as conn:
            assert _diff(conn) == []
        db.engine.dispose()


def test_migration_files_are_date_prefixed():

    from charity import ROOT

    names = [p.name for p in (ROOT / "migrations" / "versions").glob("*.py")]
    assert names
    for name in names:
        assert name[:11].replace("_", "").isdigit(), name
