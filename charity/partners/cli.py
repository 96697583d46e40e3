"""``flask --app charity report resource-list --community dongyi -o FILE``."""

import click
import sqlalchemy as sa
from flask_babel import gettext as _

from charity.accounts.models import Community
from charity.cli import report
from charity.extensions import db
from charity.formatting import datetime_local
from charity.models_base import utcnow
from charity.partners import services
from charity.partners.models import ResourceListVersion
from charity.partners.pdf import render_resource_list


@report.command("resource-list")
@click.option("--community", "slug", required=True, help="Short name of the community, e.g. dongyi.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the PDF.")
@click.option("--version", "number", type=int,
              help="An approved version (default: the latest approved, else the draft).")
@click.option("--draft", is_flag=True, help="Print the current list, not yet approved.")
@click.option("--full-phones", is_flag=True,
              help="Print phone numbers in full (for staff); masked by default.")
def resource_list(slug, output, number, draft, full_phones):
    """Print the caring merchant resource service list (爱心商家资源服务清单)."""

    community = db.session.scalar(sa.select(Community).where(Community.slug == slug.lower()))
    if community is None:
        raise click.ClickException(_("No community %(slug)s.", slug=slug))
    version = None
    if number is not None:
        version = db.session.scalar(sa.select(ResourceListVersion).where(
            ResourceListVersion.community_id == community.id, ResourceListVersion.number == number))
        if version is None:
            raise click.ClickException(_("No approved version %(number)s.", number=number))
    elif not draft:
        version = services.latest_version(community)
    generated = _("Generated %(when)s by %(who)s", when=datetime_local(utcnow()),
                  who=_("Command line"))
    if version is None:
        pdf = render_resource_list(services.resource_list_data(community), full_phones=full_phones,
                                   generated=generated)
    else:
        pdf = render_resource_list(version.snapshot, version=version.number,
                                   approved_on=version.approved_on, full_phones=full_phones,
                                   generated=generated)
    with open(output, "wb") as fh:
        fh.write(pdf)
    click.echo(_("Written %(path)s.", path=output))
