"""``flask --app charity verify-points [--community SLUG]``, ``flask --app charity points
expire [--community SLUG]`` and the printable points reports."""

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import gettext as _

from charity import transaction
from charity.accounts.models import Community
from charity.extensions import db
from charity.points.expiry import run_expiry
from charity.points.ledger import verify_points as verify

points_group = AppGroup("points", help="Volunteer points: scheduled tasks.")


def _communities(slug):
    if slug:
        community = db.session.scalar(sa.select(Community).where(Community.slug == slug.lower()))
        if community is None:
            raise click.ClickException(_("No community %(slug)s.", slug=slug))
        return [community]
    return list(db.session.scalars(sa.select(Community).order_by(Community.id)))


def register(app):
    app.cli.add_command(points_group)

    @app.cli.command("verify-points")
    @click.option("--community", "slug", help="Short name of one community (default: every community).")
    def verify_points(slug):
        """Recompute every points balance from the entries; exit 1 naming each disagreement."""
        failed = False
        for community in _communities(slug):
            problems = verify(community)
            if not problems:
                click.echo(_("%(slug)s: every points balance agrees with its entries.", slug=community.slug))
                continue
            failed = True
            for p in problems:
                click.echo(_("%(slug)s: volunteer %(name)s (id %(id)s): %(field)s stored %(stored)s, "
                             "computed from the entries %(computed)s",
                             slug=community.slug, name=p.volunteer, id=p.volunteer_id, field=p.field,
                             stored=p.stored, computed=p.computed), err=True)
        transaction.rollback()  # it only reads
        if failed:
            sys.exit(1)


@points_group.command("expire")
@click.option("--community", "slug", help="Short name of one community (default: every community).")
def expire(slug):
    """Release codes whose hold ran out and expire points past the community's expiry
    period (oldest first). Run it daily, e.g. from cron."""
    for community in _communities(slug):
        with transaction.atomic():
            run = run_expiry(community)
        click.echo(_("%(slug)s: %(holds)s codes released, %(points)s points expired on "
                     "%(accounts)s accounts.",
                     slug=community.slug, holds=run.holds_released, points=run.points, accounts=run.accounts))
