"""Points forms: input checks only; the services enforce balances, quotas and rules."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from charity.accounts.forms import choices
from charity.forms import BaseForm, KeyedForm, strip
from charity.models_base import local_today
from charity.points.labels import ACTIVITY_KIND_NAMES, ID_TYPE_NAMES
from charity.projects.models import ActivityKind


def _text(label, length, required=False, **kwargs):
    """A stripped text field of at most ``length`` characters."""
    first = DataRequired() if required else Optional()
    return StringField(label, filters=[strip], validators=[first, Length(max=length)], **kwargs)


class RedeemForm(KeyedForm):
    pass


class OnBehalfForm(KeyedForm):
    service_id = SelectField(_l("Service"), coerce=int, validators=[InputRequired()], choices=[])
    confirm = BooleanField(_l("The volunteer asked for this in person (they have no phone)"),
                           validators=[DataRequired(_l("Confirm that the volunteer asked for it."))])


class AdjustForm(KeyedForm):
    points = IntegerField(_l("Points"), validators=[InputRequired(), NumberRange(-1_000_000, 1_000_000)],
                          description=_l("Negative to take points away."))
    reason = _text(_l("Reason"), 200, required=True)

    def validate_points(self, field):
        if field.data == 0:
            raise ValidationError(_l("Give a number of points other than zero."))


class ActionForm(BaseForm):
    """A button that posts (cancel a code, opt out of the leaderboard)."""


class ConfirmCodeForm(BaseForm):
    code = StringField(_l("Redemption code"), filters=[strip],
                       validators=[DataRequired(), Length(min=6, max=24)],
                       description=_l("The 10 letters and digits under the volunteer's QR code."))


class RuleVersionForm(BaseForm):
    cap_per_activity = IntegerField(_l("Cap per activity and person (points)"),
                                    validators=[Optional(), NumberRange(min=1, max=100_000)],
                                    description=_l("Leave empty for no cap."))
    organiser_bonus = IntegerField(_l("Organiser bonus (points per activity)"), default=0,
                                   validators=[InputRequired(), NumberRange(min=0, max=10_000)])
    note = _text(_l("Note"), 200)


def _add_rate_fields():
    for kind in ActivityKind:
        setattr(RuleVersionForm, f"rate_{kind.value}", IntegerField(
            ACTIVITY_KIND_NAMES[kind], default=10, validators=[InputRequired(), NumberRange(0, 1000)]))


_add_rate_fields()


class SettingsForm(BaseForm):
    hold_days = IntegerField(_l("Days a code holds its points"),
                             validators=[InputRequired(), NumberRange(1, 90)])
    expiry_months = IntegerField(_l("Points expire after (months)"),
                                 validators=[Optional(), NumberRange(1, 120)],
                                 description=_l("Leave empty: points never expire."))
    level_hours = StringField(_l("Honour hours for 1★, 2★ …"), filters=[strip],
                              validators=[DataRequired(), Length(max=100)],
                              description=_l("Ascending whole hours, separated by commas."))
    issuing_org = _text(_l("Issuing organisation"), 120, required=True)
    person_in_charge = _text(_l("Person in charge"), 40)
    handler = _text(_l("Handler"), 40)
    contact_phone = _text(_l("Contact telephone"), 30)


class CertificateForm(BaseForm):
    period_start = DateField(_l("Service from"), validators=[DataRequired()])
    period_end = DateField(_l("Service to"), validators=[DataRequired()], default=local_today)

    def validate_period_end(self, field):
        if self.period_start.data and field.data and field.data < self.period_start.data:
            raise ValidationError(_l("The end must not be before the start."))
        if field.data and field.data > local_today():
            raise ValidationError(_l("The period cannot end in the future."))


class CommendationForm(BaseForm):
    kind = SelectField(_l("Kind"), choices=lambda: choices([("training", _l("Training")),
                                                            ("commendation", _l("Commendation"))]))
    title = _text(_l("Title"), 120, required=True)
    awarded_on = DateField(_l("Date"), validators=[DataRequired()], default=local_today)
    issuer = _text(_l("By"), 120)


class IdentityForm(BaseForm):
    id_type = SelectField(_l("ID type"), validators=[Optional()],
                          choices=lambda: choices([("", "—")] + list(ID_TYPE_NAMES.items())))
    id_number = _text(_l("ID number"), 30)
    volunteer_number = _text(_l("Volunteer number"), 30)


class MonthForm(BaseForm):
    class Meta:
        csrf = False

    month = _text(_l("Month"), 7)


class CheckForm(BaseForm):
    class Meta:
        csrf = False

    number = _text(_l("Certificate number"), 24)
