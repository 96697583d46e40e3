"""The community fund pages: balances, journal, income, spending, months, verification,
statement and exports. Admins post; council and auditors read everything; leaders,
merchants and volunteers see no journal."""

from datetime import date

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from charity import transaction
from charity.accounts.access import get_scoped_or_404, requires, scoped
from charity.errors import CharityError
from charity.extensions import db
from charity.fund import chart, income_spending, ledger, verification
from charity.fund import periods as fund_periods
from charity.fund.exports import csv_chunks, xlsx_bytes
from charity.fund.forms import (
    CloseMonthForm,
    ConfirmForm,
    DonationForm,
    ExpenseForm,
    RangeForm,
    ReopenRequestForm,
    ReverseForm,
    SaleForm,
    SettingsForm,
    parse_yuan,
)
from charity.fund.models import (
    Donation,
    FundAccount,
    FundPeriod,
    JournalEntry,
    PeriodState,
    Sale,
    SubFund,
)
from charity.fund.pdf import render_receipt, render_statement
from charity.fund.statement import build_statement, check_range, parse_period
from charity.models_base import local_today
from charity.pagination import paginate, query_args
from charity.web import submit

bp = Blueprint("fund", __name__, url_prefix="/fund")

READERS = ("admin", "council", "auditor")


def _user():
    return current_user._get_current_object()


def period_range(form):
    """(first day, last day) from a RangeForm; the current year when nothing is given.

    :raises CharityError: a malformed period or reversed dates."""
    if form.period.data:
        return parse_period(form.period.data)
    if form.date_from.data or form.date_to.data:
        return check_range(form.date_from.data, form.date_to.data)
    year = local_today().year
    return date(year, 1, 1), date(year, 12, 31)


def _balances():
    accounts = db.session.scalars(scoped(FundAccount).order_by(FundAccount.code)).all()
    subfunds = db.session.scalars(scoped(SubFund).order_by(SubFund.purpose)).all()
    cash = sum(a.balance_fen for a in accounts if a.code in (chart.CASH, chart.BANK))
    restricted = sum(s.balance_fen for s in subfunds)
    return accounts, subfunds, cash, restricted


def _assets(accounts):
    return sum(a.balance_fen for a in accounts if a.kind == "asset")


@bp.route("/")
@requires(*READERS)
def index():
    accounts, subfunds, cash, restricted = _balances()
    recent = db.session.scalars(scoped(JournalEntry).order_by(JournalEntry.seq.desc()).limit(10)).all()
    shown = {}  # what each account shows: its natural sign; a header the sum of its children
    for a in accounts:
        shown[a.code] = a.balance_fen if a.kind in ("asset", "expense") else -a.balance_fen
    for a in accounts:
        if a.parent_code:
            shown[a.parent_code] = shown.get(a.parent_code, 0) + shown[a.code]
    assets = _assets(accounts)
    return render_template("fund/index.html", accounts=accounts, subfunds=subfunds, cash=cash,
                           advances=assets - cash, unrestricted=assets - restricted, restricted=restricted,
                           recent=recent, chart=chart, shown=shown)


@bp.route("/journal")
@requires(*READERS)
def journal():
    form = RangeForm(request.args)
    try:
        if not form.validate():
            raise CharityError(_("Check the period."))
        start, end = period_range(form)
    except CharityError as exc:
        flash(str(exc.message), "error")
        return render_template("fund/journal.html", form=form, page=None, args={}, start=None, end=None), 400
    stmt = scoped(JournalEntry).where(JournalEntry.value_date >= start, JournalEntry.value_date <= end) \
        .order_by(JournalEntry.value_date.desc(), JournalEntry.seq.desc())
    return render_template("fund/journal.html", form=form, page=paginate(stmt), args=query_args(form),
                           start=start, end=end)


@bp.route("/entries/<id:entry_id>")
@requires(*READERS)
def entry(entry_id):
    item = get_scoped_or_404(JournalEntry, entry_id)
    reversal = db.session.scalar(scoped(JournalEntry).where(JournalEntry.reverses_id == item.id))
    return render_template("fund/entry.html", entry=item, reversal=reversal, chart=chart,
                           form=ReverseForm())


@bp.route("/entries/<id:entry_id>/reverse", methods=["POST"])
@requires("admin")
def entry_reverse(entry_id):
    item = get_scoped_or_404(JournalEntry, entry_id)
    form = ReverseForm()
    reversal = db.session.scalar(scoped(JournalEntry).where(JournalEntry.reverses_id == item.id))

    def reverse(form):
        new = ledger.reverse_entry(g.community, item, memo=form.memo.data, actor=_user(),
                                   idempotency_key=form.idempotency_key.data)
        return (_("Entry %(seq)s reversed by entry %(new)s.", seq=item.seq, new=new.seq),
                url_for("fund.entry", entry_id=new.id))

    return submit(form, reverse, render=lambda status: (
        render_template("fund/entry.html", entry=item, reversal=reversal, chart=chart, form=form), status))


def _posting_view(form, template, post, success, title):
    def posted(form):
        obj, message = post(form)
        return message, success(obj)

    return submit(form, posted, render=lambda status: (
        render_template(template, form=form, title=title, chart=chart), status))


@bp.route("/donations")
@requires(*READERS)
def donations():
    page = paginate(scoped(Donation).order_by(Donation.received_on.desc(), Donation.id.desc()))
    return render_template("fund/donations.html", page=page, chart=chart)


@bp.route("/donations/new", methods=["GET", "POST"])
@requires("admin")
def donation_new():
    def post(form):
        donation = income_spending.record_donation(
            g.community, amount_fen=form.amount.fen, received_on=form.received_on.data,
            method=form.method.data, donor_name=form.donor_name.data,
            restriction=form.restriction.data or None,
            note=form.note.data, idempotency_key=form.idempotency_key.data, actor=_user())
        return donation, _("Donation recorded: receipt %(no)s.", no=donation.receipt_no)

    return _posting_view(DonationForm(), "fund/posting_form.html", post,
                         lambda d: url_for("fund.donations"), _("Record a donation"))


@bp.route("/donations/<id:donation_id>/receipt.pdf")
@requires(*READERS)
def donation_receipt(donation_id):
    donation = get_scoped_or_404(Donation, donation_id)
    purpose = chart.PURPOSE_NAMES[donation.subfund.purpose] if donation.subfund else None
    pdf = render_receipt(donation, g.community, purpose_name=purpose and str(purpose),
                         method_name=str(chart.METHOD_NAMES[donation.method]),
                         generated_by=current_user.display_name)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="receipt-{donation.receipt_no}.pdf"'})


@bp.route("/sales")
@requires(*READERS)
def sales():
    page = paginate(scoped(Sale).order_by(Sale.sold_on.desc(), Sale.id.desc()))
    return render_template("fund/sales.html", page=page, chart=chart)


@bp.route("/sales/new", methods=["GET", "POST"])
@requires("admin")
def sale_new():
    def post(form):
        sale = income_spending.record_sale(
            g.community, event=form.event.data, items=form.items.data, amount_fen=form.amount.fen,
            sold_on=form.sold_on.data, method=form.method.data,
            idempotency_key=form.idempotency_key.data, actor=_user())
        return sale, _("Charity sale recorded.")

    return _posting_view(SaleForm(), "fund/posting_form.html", post, lambda s: url_for("fund.sales"),
                         _("Record charity-sale income"))


@bp.route("/expenses/new", methods=["GET", "POST"])
@requires("admin")
def expense_new():
    def post(form):
        entry = income_spending.pay_expense(
            g.community, amount_fen=form.amount.fen, paid_on=form.paid_on.data,
            expense_account=form.expense_account.data, memo=form.memo.data, method=form.method.data,
            purpose=form.purpose.data or None, restricted=form.restricted.data == "yes",
            project=form.project.data or None, idempotency_key=form.idempotency_key.data, actor=_user())
        return entry, _("Spending posted as entry %(seq)s.", seq=entry.seq)

    return _posting_view(ExpenseForm(), "fund/posting_form.html", post,
                         lambda e: url_for("fund.entry", entry_id=e.id), _("Pay an expense"))


def _periods_page(status=200, close_form=None, reopen_form=None):
    periods = db.session.scalars(scoped(FundPeriod).order_by(FundPeriod.year.desc(),
                                                             FundPeriod.month.desc())).all()
    return render_template("fund/periods.html", periods=periods, close_form=close_form or CloseMonthForm(),
                           reopen_form=reopen_form or ReopenRequestForm(), confirm_form=ConfirmForm(),
                           states=PeriodState), status


@bp.route("/periods")
@requires(*READERS)
def periods():
    return _periods_page()


def _transition(year, month, action, reason=None):
    """Take the step on the month; returns the flash message (to :func:`charity.web.submit`)."""
    period = fund_periods.transition_period(g.community, year, month, action, actor=_user(), reason=reason)
    messages = {
        "close": _("Month %(month)s closed.", month=period.label),
        "request_reopen": _("Reopening of %(month)s requested: a second person must confirm.",
                            month=period.label),
        "confirm_reopen": _("Month %(month)s reopened.", month=period.label),
        "cancel_reopen": _("Reopening of %(month)s withdrawn.", month=period.label),
    }
    return messages[action]


@bp.route("/periods/close", methods=["POST"])
@requires("admin")
def period_close():
    form = CloseMonthForm()
    return submit(form, lambda form: _transition(*form.year_month, "close"), success=url_for("fund.periods"),
                  render=lambda status: _periods_page(status, close_form=form))


@bp.route("/periods/<id:period_id>/reopen", methods=["POST"])
@requires("admin", "council")
def period_reopen_request(period_id):
    period = get_scoped_or_404(FundPeriod, period_id)
    form = ReopenRequestForm()
    return submit(form, lambda form: _transition(period.year, period.month, "request_reopen",
                                                 reason=form.reason.data),
                  success=url_for("fund.periods"),
                  render=lambda status: _periods_page(status, reopen_form=form))


@bp.route("/periods/<id:period_id>/confirm", methods=["POST"])
@requires("admin", "council")
def period_reopen_confirm(period_id):
    period = get_scoped_or_404(FundPeriod, period_id)
    return submit(ConfirmForm(), lambda form: _transition(period.year, period.month, "confirm_reopen"),
                  success=url_for("fund.periods"), render=_periods_page, invalid_status=400)


@bp.route("/periods/<id:period_id>/cancel", methods=["POST"])
@requires("admin", "council")
def period_reopen_cancel(period_id):
    period = get_scoped_or_404(FundPeriod, period_id)
    return submit(ConfirmForm(), lambda form: _transition(period.year, period.month, "cancel_reopen"),
                  success=url_for("fund.periods"), render=_periods_page, invalid_status=400)


@bp.route("/verify")
@requires(*READERS)
def verify():
    result = verification.verify_ledger(g.community)
    transaction.rollback()  # it only reads
    return render_template("fund/verify.html", result=result)


@bp.route("/statement")
@requires(*READERS)
def statement():
    form = RangeForm(request.args)
    return render_template("fund/statement.html", form=form, today=local_today())


def _range_or_error(form, template="fund/statement.html"):
    try:
        if not form.validate():
            raise CharityError(_("Check the period."))
        return period_range(form), None
    except CharityError as exc:
        flash(str(exc.message), "error")
        return None, (render_template(template, form=form, today=local_today()), 400)


@bp.route("/statement.pdf")
@requires(*READERS)
def statement_pdf():
    form = RangeForm(request.args)
    span, error = _range_or_error(form)
    if error:
        return error
    data = build_statement(g.community, *span, generated_by=current_user.display_name)
    pdf = render_statement(data)
    name = f"fund-statement-{g.community.slug}-{span[0].isoformat()}-{span[1].isoformat()}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/journal.csv")
@requires(*READERS)
def export_csv():
    form = RangeForm(request.args)
    span, error = _range_or_error(form)
    if error:
        return error
    name = f"journal-{g.community.slug}-{span[0].isoformat()}-{span[1].isoformat()}.csv"
    return Response(stream_with_context(csv_chunks(g.community, *span)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/journal.xlsx")
@requires(*READERS)
def export_xlsx():
    form = RangeForm(request.args)
    span, error = _range_or_error(form)
    if error:
        return error
    name = f"journal-{g.community.slug}-{span[0].isoformat()}-{span[1].isoformat()}.xlsx"
    return Response(xlsx_bytes(g.community, *span),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/settings", methods=["GET", "POST"])
@requires("admin")
def settings():
    current = ledger.settings_for(g.community)
    form = SettingsForm()
    if request.method == "GET" and current and current.volunteer_hour_value_fen is not None:
        fen = current.volunteer_hour_value_fen
        form.volunteer_hour_value.data = f"{fen // 100}.{fen % 100:02d}"

    def save(form):
        value = parse_yuan(form.volunteer_hour_value.data) if form.volunteer_hour_value.data else None
        ledger.set_volunteer_hour_value(g.community, value, actor=_user())
        return _("Fund settings saved.")

    return submit(form, save, success=url_for("fund.index"),
                  render=lambda status: (render_template("fund/settings.html", form=form), status))

