"""The base of every form: text must be text a database can store."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

#: C0 control characters other than tab, newline and carriage return. PostgreSQL cannot
#: store NUL at all, and none of these belongs in anything a person types.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
