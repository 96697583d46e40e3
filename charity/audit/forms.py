from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from charity.accounts.forms import choices
from charity.audit.labels import ACTION_LABELS, OBJECT_LABELS, object_label
from charity.forms import BaseForm, strip

#: Dates outside this range are typing mistakes (and overflow date arithmetic).
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _plausible_date(form, field):
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_l("Enter a date between 2000 and 2100."))


def _action_choices():
    """All actions, grouped under what they act on (用户, 登录 ...)."""
    options = [SelectChoice("", _l("All actions"))]
    for code, label in sorted(ACTION_LABELS.items()):
        options.append(SelectChoice(code, label, optgroup=object_label(code.split(".")[0])))
    return options


def _object_choices():
    types = sorted((k, v) for k, v in OBJECT_LABELS.items() if k != "session")  # a group only
    return choices([("", _l("All types"))] + types)


class AuditFilterForm(BaseForm):
    """Filters of the audit list and its CSV export (a GET form, so no CSRF)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who (username)"), filters=[strip], validators=[Optional(), Length(max=80)])
    # Any code is accepted (older or unlabelled actions too); the list offers the known ones.
    action = SelectField(_l("Action"), choices=_action_choices, validators=[Optional()],
                         validate_choice=False)
    object_type = SelectField(_l("Record type"), choices=_object_choices, validators=[Optional()])
    object_id = StringField(_l("Record number"), filters=[strip], validators=[Optional(), Length(max=40)])
    date_from = DateField(_l("From"), validators=[Optional(), _plausible_date])
    date_to = DateField(_l("To"), validators=[Optional(), _plausible_date])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
