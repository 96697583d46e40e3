"""``flask --app charity verify-ledger`` and ``flask --app charity report fund-statement``."""

import sys
from datetime import date

import click
import sqlalchemy as sa
from flask_babel import gettext as _

from charity import transaction
from charity.accounts.models import Community
from charity.cli import report
from charity.errors import CharityError
from charity.extensions import db
from charity.fund.pdf import render_statement
from charity.fund.statement import build_statement, check_range, parse_period
from charity.fund.verification import verify_ledger as verify


def _community(slug):
    community = db.session.scalar(sa.select(Community).where(Community.slug == slug.lower()))
    if community is None:
        raise click.ClickException(_("No community %(slug)s.", slug=slug))
    return community


def register(app):
    @app.cli.command("verify-ledger")
    @click.option("--community", "slug", help="Short name of one community (default: every community).")
    def verify_ledger(slug):
        """Recompute every hash chain and balance; exit 1 naming the first bad entry."""
        communities = [_community(slug)] if slug else list(
            db.session.scalars(sa.select(Community).order_by(Community.id)))
        failed = False
        for community in communities:
            result = verify(community)
            if result.ok:
                click.echo(_("%(slug)s: ledger verified, %(count)s entries, chain head %(hash)s",
                             slug=community.slug, count=result.entries, hash=result.head_hash))
            else:
                failed = True
                if result.bad_seq is not None:
                    click.echo(_("%(slug)s: entry %(seq)s (id %(id)s) is bad: %(problem)s",
                                 slug=community.slug, seq=result.bad_seq, id=result.bad_entry_id,
                                 problem=result.problem), err=True)
                else:
                    click.echo(_("%(slug)s: ledger does not verify: %(problem)s",
                                 slug=community.slug, problem=result.problem), err=True)
        transaction.rollback()  # it only reads
        if failed:
            sys.exit(1)


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise click.BadParameter(_("Give a date as 2026-03-31.")) from None


@report.command("fund-statement")
@click.option("--community", "slug", required=True, help="Short name of the community, e.g. dongyi.")
@click.option("--period", help="2026, 2026-Q1 or 2026-03.")
@click.option("--from", "date_from", help="First day, 2026-01-01 (with --to).")
@click.option("--to", "date_to", help="Last day, 2026-06-30 (with --from).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
def fund_statement(slug, period, date_from, date_to, output):
    """The community fund statement of a month, quarter, year or date range, as PDF."""
    community = _community(slug)
    try:
        if period and (date_from or date_to):
            raise click.UsageError(_("Give --period or --from/--to, not both."))
        if period:
            start, end = parse_period(period)
        else:
            start, end = check_range(_date(date_from), _date(date_to))
        data = build_statement(community, start, end, generated_by=_("Command line"))
        pdf = render_statement(data)
    except CharityError as exc:
        raise click.ClickException(str(exc.message)) from exc
    with open(output, "wb") as fh:
        fh.write(pdf)
    click.echo(_("Fund statement written to %(path)s (%(count)s entries).", path=output,
                 count=len(data.entries)))
