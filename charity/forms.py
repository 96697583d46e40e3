"""The building blocks of every form: the base form (text must be text a database can
store), the keyed form of anything that creates money or points records (a double click
posts once), money in yuan, and the date checks of money that moved."""

import re
import uuid
from datetime import date

import flask_babel
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtf_translations
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from charity.models_base import local_today

#: C0 control characters other than tab, newline and carriage return. PostgreSQL cannot
#: store NUL at all, and none of these belongs in anything a person types.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip(value):
    """WTForms filter: surrounding spaces off."""
    return value.strip() if isinstance(value, str) else value


def mobile_number(value):
    """WTForms filter: ``+86 138-1234-5678`` -> ``13812345678`` (spaces, dashes and the
    country code are how people write numbers, not part of them)."""
    if not isinstance(value, str):
        return value
    digits = value.strip().replace(" ", "").replace("-", "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix):]
    if len(digits) == 13 and digits.startswith("86"):
        return digits[2:]
    return digits


#: WTForms' own messages that our forms can show, in our catalogues (WTForms' Chinese
#: catalogue leaves some untranslated).
WTFORMS_MESSAGES = (
    _l("Not a valid choice."),
    lazy_ngettext("'%(value)s' is not a valid choice for this field.",
                  "'%(value)s' are not valid choices for this field.", 1),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    _l("Not a valid date value."),
    _l("Not a valid integer value."),
)


class _Translations:
    """Our catalogue first, then WTForms' own (through Flask-WTF)."""

    # Raw strings, unformatted: WTForms fills in the values itself.
    def gettext(self, string):
        translated = flask_babel.get_translations().ugettext(string)
        return translated if translated != string else wtf_translations.gettext(string)

    def ngettext(self, singular, plural, n):
        translated = flask_babel.get_translations().ungettext(singular, plural, n)
        if translated not in (singular, plural):
            return translated
        return wtf_translations.ngettext(singular, plural, n)


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _Translations()

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
                field.errors = list(field.errors) + [_l("Contains characters that are not allowed.")]
                ok = False
            elif isinstance(field.data, list) and any(
                    isinstance(v, str) and CONTROL_CHARACTERS.search(v) for v in field.data):
                field.errors = list(field.errors) + [_l("Contains characters that are not allowed.")]
                ok = False
        return ok


class KeyedForm(BaseForm):
    """A form that creates a record once: a fresh idempotency key per form shown, so a
    double click or a retried request posts once (the service looks the key up)."""

    idempotency_key = HiddenField(validators=[DataRequired(), Length(min=8, max=64)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.idempotency_key.data:
            self.idempotency_key.data = uuid.uuid4().hex


# --- money and dates --------------------------------------------------------------------

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


def plausible_date(form, field):
    """WTForms validator: a date between 2000 and 2100 (a typo such as 0226 is caught)."""
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Enter a date between 2000 and 2100."))


def not_ahead(form, field):
    """WTForms validator: money is booked when it moved, never after today (in Chengdu)."""
    if field.data and field.data > local_today():
        raise ValidationError(
            _l("The date is in the future: record money when it has been received or paid."))


#: The validators of the day money was received or paid.
MONEY_DATE = [DataRequired(), plausible_date, not_ahead]
