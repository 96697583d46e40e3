"""The base of every form: text must be text a database can store."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

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


class BaseForm(FlaskForm):
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
