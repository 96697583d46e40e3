"""Settings: defaults, instance/config.py, CHARITY_* variables, the secret key."""

import os
import stat

import pytest

from charity import create_app


def test_defaults_use_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CHARITY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CHARITY_DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'charity.sqlite'}"
    assert app.instance_path == str(tmp_path)


def test_secret_key_is_created_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.setenv("CHARITY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("CHARITY_SECRET_KEY", raising=False)
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) >= 64
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_environment_overrides_instance_config(tmp_path, monkeypatch):
    monkeypatch.setenv("CHARITY_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text('SECRET_KEY = "from-file"\nPAGE_SIZE = 10\n')
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-file" and app.config["PAGE_SIZE"] == 10
    monkeypatch.setenv("CHARITY_SECRET_KEY", "from-env")
    monkeypatch.setenv("CHARITY_PAGE_SIZE", "40")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env" and app.config["PAGE_SIZE"] == 40
    assert not (tmp_path / "secret_key").exists()


def test_database_url_precedence_and_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("CHARITY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/charity")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/charity"
    monkeypatch.setenv("CHARITY_DATABASE_URL", "postgresql://v@db2.example/c")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://v@db2.example/c"


def test_sqlite_runs_with_foreign_keys_and_wal(app):
    from sqlalchemy import text

    from charity.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas only")
        conn = db.engine.connect()
    with conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_proxy_fix_is_opt_in(tmp_path, monkeypatch):
    monkeypatch.setenv("CHARITY_INSTANCE_PATH", str(tmp_path))
    app = create_app({"PROXY_FIX_X_FOR": 1, "SECRET_KEY": "x"})
    seen = {}

    @app.route("/_addr")
    def _addr():
        from flask import request

        seen["addr"] = request.remote_addr
        return "ok"

    app.test_client().get("/_addr", headers={"X-Forwarded-For": "1.2.3.4"},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen["addr"] == "1.2.3.4"
