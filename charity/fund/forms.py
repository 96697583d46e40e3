"""Fund forms: input checks only; the posting service enforces the ledger's rules."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from charity.accounts.forms import choices
from charity.forms import MONEY_DATE, BaseForm, KeyedForm, YuanField, parse_yuan, plausible_date, strip
from charity.fund import chart
from charity.fund.models import PaymentMethod, Purpose
from charity.models_base import local_today


def method_choices():
    return choices((m.value, chart.METHOD_NAMES[m]) for m in PaymentMethod)


def _restriction_choices():
    return choices([("", _l("Unrestricted"))] + [(p.value, chart.PURPOSE_NAMES[p]) for p in Purpose])


def _purpose_choices():
    return choices([("", _l("General"))] + [(p.value, chart.PURPOSE_NAMES[p]) for p in Purpose])


def _expense_choices():
    return choices((c, chart.account_name(c)) for c in chart.GENERIC_EXPENSE_CODES)


class DonationForm(KeyedForm):
    donor_name = StringField(_l("Donor"), filters=[strip], validators=[Optional(), Length(max=100)],
                             description=_l("Leave empty for an anonymous donor."))
    amount = YuanField(_l("Amount (yuan)"), filters=[strip])
    method = SelectField(_l("Payment method"), choices=method_choices, default="bank")
    restriction = SelectField(_l("Restricted to"), choices=_restriction_choices, validators=[Optional()])
    received_on = DateField(_l("Received on"), validators=MONEY_DATE, default=local_today)
    note = StringField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=200)])


class SaleForm(KeyedForm):
    event = StringField(_l("Event"), filters=[strip], validators=[DataRequired(), Length(max=100)])
    items = TextAreaField(_l("Items sold"), filters=[strip], validators=[Optional(), Length(max=500)])
    amount = YuanField(_l("Amount (yuan)"), filters=[strip])
    method = SelectField(_l("Payment method"), choices=method_choices, default="cash")
    sold_on = DateField(_l("Sold on"), validators=MONEY_DATE, default=local_today)


class ExpenseForm(KeyedForm):
    expense_account = SelectField(_l("Kind of spending"), choices=_expense_choices, default="510102")
    memo = StringField(_l("Memo"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    amount = YuanField(_l("Amount (yuan)"), filters=[strip])
    method = SelectField(_l("Paid from"), choices=method_choices, default="bank")
    purpose = SelectField(_l("Purpose"), choices=_purpose_choices, validators=[Optional()])
    restricted = SelectField(_l("Paid with"), choices=lambda: choices([
        ("no", _l("Unrestricted money")), ("yes", _l("The restricted fund of this purpose"))]), default="no")
    project = StringField(_l("Grant or project"), filters=[strip], validators=[Optional(), Length(max=100)],
                          description=_l("The team or project the money went to, for the statement."))
    paid_on = DateField(_l("Paid on"), validators=MONEY_DATE, default=local_today)


class ReverseForm(KeyedForm):
    memo = StringField(_l("Reason"), filters=[strip], validators=[DataRequired(), Length(max=200)])


class CloseMonthForm(BaseForm):
    month = StringField(_l("Month"), filters=[strip], validators=[DataRequired()])

    def validate_month(self, field):
        match = re.match(r"^(\d{4})-(\d{1,2})$", field.data or "")
        if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
            raise ValidationError(_l("Give a month as 2026-03."))
        self.year_month = (int(match.group(1)), int(match.group(2)))


class ReopenRequestForm(BaseForm):
    reason = StringField(_l("Reason"), filters=[strip], validators=[DataRequired(), Length(max=200)])


class ConfirmForm(BaseForm):
    """A button only; the CSRF token is the content."""


class SettingsForm(BaseForm):
    volunteer_hour_value = StringField(_l("Value of one volunteer hour (yuan)"), filters=[strip],
                                       validators=[Optional()])

    def validate_volunteer_hour_value(self, field):
        if field.data:
            fen = parse_yuan(field.data)
            if fen is None or fen > 10**8:
                raise ValidationError(_l("Enter an amount in yuan, such as 30 or 25.50."))


class RangeForm(BaseForm):
    """The period of a statement, journal or export (a GET form)."""

    class Meta:
        csrf = False

    period = StringField(_l("Period"), filters=[strip], validators=[Optional(), Length(max=10)])
    date_from = DateField(_l("From"), validators=[Optional(), plausible_date])
    date_to = DateField(_l("To"), validators=[Optional(), plausible_date])
