"""``flask --app charity verify-ledger`` and ``flask --app charity report`` ``fund-statement``,
``financial-statements`` and ``trial-balance``."""

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
from charity.fund import books
from charity.fund.books_pdf import render_financial_statements, render_trial_balance
from charity.fund.books_xlsx import financial_statements_xlsx, trial_balance_xlsx
from charity.fund.pdf import render_statement
from charity.fund.statement import build_statement, check_range, parse_period
from charity.fund.verification import verify_ledger as verify
from charity.models_base import utcnow


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


def _write(output, content):
    with open(output, "wb") as fh:
        fh.write(content)


def _kind_of(output):
    kind = output.rsplit(".", 1)[-1].lower() if "." in output else ""
    if kind not in ("pdf", "xlsx"):
        raise click.BadParameter(_("Name a file ending in .pdf or .xlsx."), param_hint="-o")
    return kind


@report.command("financial-statements")
@click.option("--community", "slug", required=True, help="Short name of the community, e.g. dongyi.")
@click.option("--period", required=True, help="2026, 2026-Q1 or 2026-03.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="A .pdf (the three statements with their notes) or an .xlsx file.")
def financial_statements(slug, period, output):
    """The balance sheet, statement of activities and cash flow statement of a period."""
    kind = _kind_of(output)
    community = _community(slug)
    try:
        data = books.financial_statements(community, books.report_period(period))
    except CharityError as exc:
        raise click.ClickException(str(exc.message)) from exc
    problems = data.check()
    if kind == "pdf":
        _write(output, render_financial_statements(data, generated_by=_("Command line"),
                                                   generated_at=utcnow()))
    else:
        _write(output, financial_statements_xlsx(data))
    transaction.rollback()  # it only reads
    click.echo(_("Financial statements of %(period)s written to %(path)s.", period=data.period.label,
                 path=output))
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        sys.exit(1)


@report.command("trial-balance")
@click.option("--community", "slug", required=True, help="Short name of the community, e.g. dongyi.")
@click.option("--period", help="2026, 2026-Q1 or 2026-03.")
@click.option("--from", "date_from", help="First day, 2026-01-01 (with --to).")
@click.option("--to", "date_to", help="Last day, 2026-06-30 (with --from).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="A .pdf or .xlsx file.")
def trial_balance(slug, period, date_from, date_to, output):
    """The trial balance (opening, debits, credits, closing of every account)."""
    kind = _kind_of(output)
    community = _community(slug)
    try:
        if period and (date_from or date_to):
            raise click.UsageError(_("Give --period or --from/--to, not both."))
        start, end = parse_period(period) if period else check_range(_date(date_from), _date(date_to))
        data = books.trial_balance(community, start, end)
    except CharityError as exc:
        raise click.ClickException(str(exc.message)) from exc
    if kind == "pdf":
        _write(output, render_trial_balance(data, generated_by=_("Command line"), generated_at=utcnow()))
    else:
        _write(output, trial_balance_xlsx(data))
    transaction.rollback()  # it only reads
    click.echo(_("Trial balance %(start)s to %(end)s written to %(path)s.", start=start.isoformat(),
                 end=end.isoformat(), path=output))
    if not data.balanced:
        click.echo(_("Debits and credits do not agree."), err=True)
        sys.exit(1)
