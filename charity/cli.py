"""Command-line tasks: ``flask --app charity init-db | create-admin | demo``."""

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_migrate import upgrade

from charity import demo as demo_data
from charity import transaction
from charity.accounts import auth, services
from charity.accounts.auth import password_is_strong
from charity.accounts.models import Community
from charity.errors import CharityError
from charity.extensions import db
from charity.i18n import role_label


def upgrade_to_head():
    """Migrate the configured database to the newest schema (a no-op when current)."""
    upgrade(directory=current_app.extensions["migrate"].directory)


#: ``flask --app charity report …``: each domain adds its printable reports here with
#: ``@report.command(...)`` in its own ``cli.py``, imported by :func:`register`.
report = AppGroup("report", help="Print a report (PDF) from the command line.")


def register(app):
    # cycle: each domain's cli module adds its commands to ``report`` (from this module)
    from charity.fund import cli as fund_cli
    from charity.grants import cli as grants_cli  # noqa: F401  (adds report grant-round)
    from charity.partners import cli as partners_cli  # noqa: F401  (adds its report commands)
    from charity.points import cli as points_cli

    app.cli.add_command(report)
    fund_cli.register(app)
    points_cli.register(app)

    @app.cli.command("init-db")
    def init_db():
        """Create or migrate the database to the newest schema."""
        upgrade_to_head()
        click.echo(_("Database ready: %(url)s", url=db.engine.url.render_as_string(hide_password=True)))

    @app.cli.command("create-admin")
    @click.option("--community", "slug", required=True, help="Short name of the community, e.g. dongyi.")
    @click.option("--community-name", help="Full name, when the community is new (e.g. 东怡社区).")
    @click.option("--street", default="", help="Sub-district (街道), when the community is new.")
    @click.option("--district", default="", help="District (区), when the community is new.")
    @click.option("--username", required=True)
    @click.option("--display-name", required=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                  help="Prompted for when not given.")
    def create_admin(slug, community_name, street, district, username, display_name, password):
        """Create a service-centre admin, and the community if it does not exist yet."""

        upgrade_to_head()
        if not password_is_strong(password):
            raise click.ClickException(_("At least 8 characters, with letters and digits."))
        try:
            with transaction.atomic():
                community = db.session.scalar(sa.select(Community).where(Community.slug == slug.lower()))
                if community is None:
                    if not community_name:
                        raise click.ClickException(_(
                            "No community %(slug)s. Give --community-name to create it.", slug=slug))
                    community = services.create_community(name=community_name, slug=slug,
                                                          street=street, district=district)
                services.create_user(community, username=username, display_name=display_name,
                                     password=password, roles=["admin"], must_change_password=False)
        except CharityError as exc:
            raise click.ClickException(str(exc.message)) from exc
        click.echo(_("Admin %(username)s created in %(community)s (%(slug)s).",
                     username=username.lower(), community=community.name, slug=community.slug))

    @app.cli.command("unlock-address")
    @click.argument("address")
    def unlock_address(address):
        """Lift the sign-in lock of a client address (a service centre behind one address
        locked out by someone's mistakes). Account locks are lifted by staff in the app."""

        with transaction.atomic():
            removed = auth.clear_address_lock(address)
        click.echo(ngettext("Failed sign-ins from %(address)s forgotten (%(num)d record).",
                            "Failed sign-ins from %(address)s forgotten (%(num)d records).",
                            removed, address=auth.address_key(address)))

    @app.cli.command("demo")
    def demo():
        """Load the Dongyi demo community (idempotent) and print its sign-ins."""

        upgrade_to_head()
        try:
            with transaction.atomic():
                logins = demo_data.load()
        except CharityError as exc:
            raise click.ClickException(str(exc.message)) from exc
        click.echo(_("Demo community 东怡社区 (dongyi) is ready. Sign in at /login with the "
                     "password %(password)s (unless since changed) as:", password=demo_data.DEMO_PASSWORD))
        for username, role in logins:
            click.echo(f"  {username:<10} {role_label(role)}")
