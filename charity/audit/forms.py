from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from charity.accounts.forms import choices
from charity.audit.labels import ACTION_LABELS, OBJECT_LABELS
from charity.forms import BaseForm, strip

#: Dates outside this range are typing mistakes (and overflow date arithmetic).
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _plausible_date(form, field):
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Enter a date between 2000 and 2100."))


def _action_choices():
    return choices([("", _l("All actions"))] + sorted(ACTION_LABELS.items(), key=lambda kv: kv[0]))


def _object_choices():
    return choices([("", _l("All types"))] + sorted(OBJECT_LABELS.items(), key=lambda kv: kv[0]))


class AuditFilterForm(BaseForm):
    """Filters of the audit list and its CSV export (a GET form, so no CSRF)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who (username)"), filters=[strip], validators=[Optional(), Length(max=80)])
    action = SelectField(_l("Action"), choices=_action_choices, validators=[Optional()])
    object_type = SelectField(_l("Record type"), choices=_object_choices, validators=[Optional()])
    object_id = StringField(_l("Record number"), filters=[strip], validators=[Optional(), Length(max=40)])
    date_from = DateField(_l("From"), validators=[Optional(), _plausible_date])
    date_to = DateField(_l("To"), validators=[Optional(), _plausible_date])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
