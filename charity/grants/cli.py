"""``flask --app charity report grant-round --community dongyi --round ID -o FILE``."""

import click
import sqlalchemy as sa
from flask_babel import gettext as _

from charity import transaction
from charity.accounts.models import Community
from charity.cli import report
from charity.extensions import db
from charity.grants.models import GrantRound
from charity.grants.summary import render_round_summary, round_summary


@report.command("grant-round")
@click.option("--community", "slug", required=True, help="Short name of the community, e.g. dongyi.")
@click.option("--round", "round_id", required=True, type=int, help="Number of the grant round.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
def grant_round(slug, round_id, output):
    """The round summary for auditors (applications, scores, recusals, votes, decisions), as PDF."""
    community = db.session.scalar(sa.select(Community).where(Community.slug == slug.lower()))
    if community is None:
        raise click.ClickException(_("No community %(slug)s.", slug=slug))
    rnd = db.session.scalar(sa.select(GrantRound).where(GrantRound.id == round_id,
                                                        GrantRound.community_id == community.id))
    if rnd is None:
        raise click.ClickException(_("No grant round %(id)s in %(slug)s.", id=round_id, slug=slug))
    data = round_summary(rnd, generated_by=_("Command line"))
    pdf = render_round_summary(data)
    transaction.rollback()  # it only reads
    with open(output, "wb") as fh:
        fh.write(pdf)
    click.echo(_("Round summary written to %(path)s (%(count)s applications).", path=output,
                 count=len(data.applications)))
