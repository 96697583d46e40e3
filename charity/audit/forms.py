from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional, ValidationError

from charity.forms import BaseForm


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AuditFilterForm(BaseForm):
    """Filters of the audit list and its CSV export (a GET form, so no CSRF)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who (username)"), filters=[_strip], validators=[Optional(), Length(max=80)])
    action = StringField(_l("Action"), filters=[_strip], validators=[Optional(), Length(max=64)])
    object_type = StringField(_l("Object type"), filters=[_strip], validators=[Optional(), Length(max=40)])
    object_id = StringField(_l("Object ID"), filters=[_strip], validators=[Optional(), Length(max=40)])
    date_from = DateField(_l("From"), validators=[Optional()],
                          render_kw={"placeholder": "2026-01-01"})
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
