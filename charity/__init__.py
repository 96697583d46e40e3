"""The charity app: a community charity programme in the Dongyi "1+N+X" style."""

import os
import secrets
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent

try:
    __version__ = version("charity")
except PackageNotFoundError:  # running from a checkout without installing
    __version__ = "0.0.0"


def create_app(test_config=None):
    """Build the application.

    Settings: :mod:`charity.config`, then ``instance/config.py``, then ``CHARITY_*``
    environment variables, then ``test_config``.
    """
    instance_path = os.environ.get("CHARITY_INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    _load_config(app, test_config)
    from charity import logs

    logs.init_app(app)  # first, so that every later step can log
    app.jinja_env.add_extension("jinja2.ext.do")
    from charity.pagination import IdConverter

    app.url_map.converters["id"] = IdConverter
    _register_extensions(app)
    from charity import transaction

    transaction.init_app(app)  # first, so that its after_request hook runs last
    _register_request_hooks(app)
    _register_blueprints(app)
    _connect_signals()
    _register_errorhandlers(app)
    _register_cli(app)
    return app


def _load_config(app, test_config):
    app.config.from_object("charity.config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(prefix="CHARITY")
    if test_config:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    url = app.config.get("DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        url = "sqlite:///" + os.path.join(app.instance_path, "charity.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(url)

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)

    from charity.accounts.auth import parse_networks

    # Fail at start-up, not at the first sign-in, when the setting is malformed.
    app.config["LOGIN_TRUSTED_NETWORKS"] = parse_networks(app.config["LOGIN_TRUSTED_NETWORKS"])


def _normalise_database_url(url):
    """Use psycopg 3 for PostgreSQL whatever spelling the URL uses."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret_key(instance_path):
    """Read the installation's secret key, creating it (mode 600) on first run."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path, encoding="ascii") as fh:
            key = fh.read().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    # Write a private temporary file, then link it into place: of several processes
    # starting at once, one wins and the others read the winner's key.
    key = secrets.token_hex(32)
    tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        return _instance_secret_key(instance_path)
    finally:
        os.unlink(tmp)
    return key


def _register_extensions(app):
    from sqlalchemy import event
    from werkzeug.middleware.proxy_fix import ProxyFix

    from charity import i18n
    from charity.extensions import babel, csrf, db, login_manager, migrate

    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=app.config["PROXY_FIX_X_FOR"],
            x_proto=app.config["PROXY_FIX_X_PROTO"],
        )

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))

    from charity.accounts import auth

    login_manager.init_app(app)
    auth.configure_login_manager(login_manager)

    from charity import formatting

    formatting.register(app)
    from charity.accounts.access import phone_for_viewer

    app.add_template_filter(phone_for_viewer, "phone")  # masked unless the viewer may see it

    from charity.audit import labels

    labels.register_filters(app)
    i18n.register(app)


def _sqlite_pragmas(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _register_request_hooks(app):
    from flask import g

    from charity import security
    from charity.accounts.access import has_role, load_current_community, switchable_communities

    @app.before_request
    def _before():
        response = security.enforce_session_limits()
        if response is not None:
            return response
        load_current_community()
        return security.enforce_password_change()

    app.after_request(security.set_security_headers)

    @app.context_processor
    def _inject():
        return {
            "has_role": has_role,
            "current_community": g.get("community"),
            "current_roles": g.get("roles", frozenset()),
            "switchable_communities": switchable_communities,
            "app_version": __version__,
        }


def _register_blueprints(app):
    from charity.accounts.views import bp as accounts_bp
    from charity.audit.views import bp as audit_bp
    from charity.fund import views_books  # noqa: F401  (its routes, on fund_bp)
    from charity.fund.views import bp as fund_bp
    from charity.main.views import bp as main_bp
    from charity.needs.views import bp as needs_bp
    from charity.partners.views import bp as partners_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(partners_bp)
    app.register_blueprint(needs_bp)

    from charity.projects.views import bp as projects_bp
    from charity.teams.views import bp as teams_bp

    app.register_blueprint(teams_bp)
    app.register_blueprint(projects_bp)
    app.register_blueprint(fund_bp)

    from charity.grants import bp as grants_bp
    from charity.grants import views, views_award  # noqa: F401  (their routes, on grants_bp)
    from charity.grants.public import bp as grants_public_bp

    app.register_blueprint(grants_bp)
    app.register_blueprint(grants_public_bp)
    from charity.points import views_staff  # noqa: F401  (its routes, on points_bp)
    from charity.points.views import bp as points_bp

    app.register_blueprint(points_bp)


def _connect_signals():
    """Connect every domain's receivers of the cross-domain signals (:mod:`charity.signals`).
    Connecting twice is harmless (each receiver is connected once, strongly)."""
    from charity.fund.ledger import connect_signals as fund
    from charity.partners.services import connect_signals as partners
    from charity.points.earning import connect_signals as points
    from charity.projects.services import connect_signals as projects

    for connect in (partners, fund, points, projects):
        connect()


def _register_errorhandlers(app):
    from charity import errorpages

    errorpages.register(app)


def _register_cli(app):
    from charity import cli

    cli.register(app)
