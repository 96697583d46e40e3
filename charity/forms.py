"""The base of every form: text must be text a database can store."""

import re

import flask_babel
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtf_translations

#: C0 control characters other than tab, newline and carriage return. PostgreSQL cannot
#: store NUL at all, and none of these belongs in anything a person types.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
            if isinstance(field.data, str) and _CONTROL.search(field.data):
                field.errors = list(field.errors) + [_l("Contains characters that are not allowed.")]
                ok = False
            elif isinstance(field.data, list) and any(
                    isinstance(v, str) and _CONTROL.search(v) for v in field.data):
                field.errors = list(field.errors) + [_l("Contains characters that are not allowed.")]
                ok = False
        return ok
