"""The books on screen and as files, for council members and auditors: the three
financial statements (资产负债表, 业务活动表, 现金流量表) and the trial balance (科目余额表),
each as a page, a PDF and an XLSX workbook. Routes on the fund's blueprint."""

from flask import Response, flash, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from charity.accounts.access import requires
from charity.errors import CharityError
from charity.fund import books
from charity.fund.books_pdf import render_financial_statements, render_trial_balance
from charity.fund.books_xlsx import financial_statements_xlsx, trial_balance_xlsx
from charity.fund.forms import RangeForm
from charity.fund.views import READERS, bp, period_range
from charity.models_base import local_today, utcnow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(form):
    """The period asked for, this year when none is given. :raises CharityError:"""
    if not form.validate():
        raise CharityError(_("Check the period."))
    return books.report_period(form.period.data or str(local_today().year))


def _file(content, mimetype, name):
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/books")
@requires(*READERS)
def books_page():
    form = RangeForm(request.args)
    try:
        period = _period(form)
    except CharityError as exc:
        flash(str(exc.message), "error")
        return render_template("fund/books.html", form=form, data=None, problems=[]), 400
    data = books.financial_statements(g.community, period)
    return render_template("fund/books.html", form=form, data=data, problems=data.check())


def _statements_or_error(form):
    try:
        return books.financial_statements(g.community, _period(form)), None
    except CharityError as exc:
        flash(str(exc.message), "error")
        return None, (render_template("fund/books.html", form=form, data=None, problems=[]), 400)


@bp.route("/books/statements.pdf")
@requires(*READERS)
def books_pdf():
    data, error = _statements_or_error(RangeForm(request.args))
    if error:
        return error
    pdf = render_financial_statements(data, generated_by=current_user.display_name, generated_at=utcnow())
    return _file(pdf, "application/pdf", f"financial-statements-{g.community.slug}-{data.period.text}.pdf")


@bp.route("/books/statements.xlsx")
@requires(*READERS)
def books_xlsx():
    data, error = _statements_or_error(RangeForm(request.args))
    if error:
        return error
    return _file(financial_statements_xlsx(data), XLSX,
                 f"financial-statements-{g.community.slug}-{data.period.text}.xlsx")


def _trial_or_error(form):
    try:
        if not form.validate():
            raise CharityError(_("Check the period."))
        return books.trial_balance(g.community, *period_range(form)), None
    except CharityError as exc:
        flash(str(exc.message), "error")
        return None, (render_template("fund/trial_balance.html", form=form, data=None), 400)


@bp.route("/books/trial-balance")
@requires(*READERS)
def trial_balance_page():
    form = RangeForm(request.args)
    data, error = _trial_or_error(form)
    return error or render_template("fund/trial_balance.html", form=form, data=data)


def _trial_name(data, extension):
    return f"trial-balance-{g.community.slug}-{data.first.isoformat()}-{data.last.isoformat()}.{extension}"


@bp.route("/books/trial-balance.pdf")
@requires(*READERS)
def trial_balance_pdf():
    data, error = _trial_or_error(RangeForm(request.args))
    if error:
        return error
    pdf = render_trial_balance(data, generated_by=current_user.display_name, generated_at=utcnow())
    return _file(pdf, "application/pdf", _trial_name(data, "pdf"))


@bp.route("/books/trial-balance.xlsx")
@requires(*READERS)
def trial_balance_xlsx_file():
    data, error = _trial_or_error(RangeForm(request.args))
    if error:
        return error
    return _file(trial_balance_xlsx(data), XLSX, _trial_name(data, "xlsx"))
