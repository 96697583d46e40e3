"""Fund forms: input checks only; the posting service enforces the ledger's rules."""

import re
import uuid
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from charity.accounts.forms import choices
from charity.forms import BaseForm, strip
from charity.fund import chart
from charity.fund.models import PaymentMethod, Purpose
from charity.models_base import local_today

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
_YUAN = re.compile(r"^(\d{1,15})(?:\.(\d{1,2}))?$")
#: The largest amount one form takes: 100 million yuan, far above any community fund.
FORM_MAX_FEN = 100_000_000 * 100


def parse_yuan(text):
    """``"1,234.5"`` -> 123450 fen, exactly (no float); None when not an amount."""
    text = (text or "").strip().replace(",", "").replace("，", "").lstrip("¥￥")
    match = _YUAN.match(text)
    if not match:
        return None
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


class YuanField(StringField):
    """An amount in yuan typed as text; ``fen`` holds it in integer fen once valid."""

    fen = None

    def pre_validate(self, form):
        self.fen = None
        text = (self.data or "").strip()
        negative = text.startswith(("-", "－"))
        fen = parse_yuan(text[1:] if negative else text)
        if fen is not None and negative:
            fen = -fen
        if fen is None:
            raise ValidationError(_l("Enter an amount in yuan, such as 1280 or 1280.50."))
        if fen <= 0:
            raise ValidationError(_l("The amount must be more than zero."))
        if fen > FORM_MAX_FEN:
            raise ValidationError(_l("The amount is too large for one entry."))
        self.fen = fen


def _plausible(form, field):
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Enter a date between 2000 and 2100."))


def _not_ahead(form, field):
    """Money is booked when it moved: never after today (in Chengdu)."""
    if field.data and field.data > local_today():
        raise ValidationError(
            _l("The date is in the future: record money when it has been received or paid."))


MONEY_DATE = [DataRequired(), _plausible, _not_ahead]


def _method_choices():
    return choices((m.value, chart.METHOD_NAMES[m]) for m in PaymentMethod)


def _restriction_choices():
    return choices([("", _l("Unrestricted"))] + [(p.value, chart.PURPOSE_NAMES[p]) for p in Purpose])


def _purpose_choices():
    return choices([("", _l("General"))] + [(p.value, chart.PURPOSE_NAMES[p]) for p in Purpose])


def _expense_choices():
    return choices((c, chart.account_name(c)) for c in chart.EXPENSE_CODES)


class PostingForm(BaseForm):
    #: A fresh key per form shown: a double click or a retried request posts once.
    idempotency_key = HiddenField(validators=[DataRequired(), Length(min=8, max=64)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.idempotency_key.data:
            self.idempotency_key.data = uuid.uuid4().hex


class DonationForm(PostingForm):
    donor_name = StringField(_l("Donor"), filters=[strip], validators=[Optional(), Length(max=100)],
                             description=_l("Leave empty for an anonymous donor."))
    amount = YuanField(_l("Amount (yuan)"), filters=[strip])
    method = SelectField(_l("Payment method"), choices=_method_choices, default="bank")
    restriction = SelectField(_l("Restricted to"), choices=_restriction_choices, validators=[Optional()])
    received_on = DateField(_l("Received on"), validators=MONEY_DATE, default=local_today)
    note = StringField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=200)])


class SaleForm(PostingForm):
    event = StringField(_l("Event"), filters=[strip], validators=[DataRequired(), Length(max=100)])
    items = TextAreaField(_l("Items sold"), filters=[strip], validators=[Optional(), Length(max=500)])
    amount = YuanField(_l("Amount (yuan)"), filters=[strip])
    method = SelectField(_l("Payment method"), choices=_method_choices, default="cash")
    sold_on = DateField(_l("Sold on"), validators=MONEY_DATE, default=local_today)


class ExpenseForm(PostingForm):
    expense_account = SelectField(_l("Kind of spending"), choices=_expense_choices, default="510102")
    memo = StringField(_l("Memo"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    amount = YuanField(_l("Amount (yuan)"), filters=[strip])
    method = SelectField(_l("Paid from"), choices=_method_choices, default="bank")
    purpose = SelectField(_l("Purpose"), choices=_purpose_choices, validators=[Optional()])
    restricted = SelectField(_l("Paid with"), choices=lambda: choices([
        ("no", _l("Unrestricted money")), ("yes", _l("The restricted fund of this purpose"))]), default="no")
    project = StringField(_l("Grant or project"), filters=[strip], validators=[Optional(), Length(max=100)],
                          description=_l("The team or project the money went to, for the statement."))
    paid_on = DateField(_l("Paid on"), validators=MONEY_DATE, default=local_today)


class ReverseForm(PostingForm):
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
    date_from = DateField(_l("From"), validators=[Optional(), _plausible])
    date_to = DateField(_l("To"), validators=[Optional(), _plausible])
