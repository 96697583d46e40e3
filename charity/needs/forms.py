"""Needs and council meeting forms: input checks only."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from charity.accounts.forms import REQUIRED, MultiCheckboxField, choices
from charity.forms import BaseForm, strip
from charity.needs.models import NeedSource, NeedState, Urgency
from charity.partners.forms import group_choices
from charity.partners.labels import SOURCE_LABELS, STATE_LABELS, URGENCY_LABELS


def urgency_choices():
    return choices((u.value, URGENCY_LABELS[u.value]) for u in Urgency)


def source_choices():
    return choices((s.value, SOURCE_LABELS[s.value]) for s in NeedSource)


def state_choices():
    return choices((s.value, STATE_LABELS[s.value]) for s in NeedState)


class NeedForm(BaseForm):
    group = SelectField(_l("Group"), choices=group_choices)
    people_count = IntegerField(_l("How many people"), default=1, validators=[
        DataRequired(message=REQUIRED), NumberRange(min=1, max=100000, message=_l("Between 1 and 100000."))])
    category_id = SelectField(_l("Category"), coerce=int, choices=[])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[
        DataRequired(message=REQUIRED), Length(max=2000, message=_l("At most 2000 characters."))])
    urgency = SelectField(_l("Urgency"), choices=urgency_choices, default="normal")
    source = SelectField(_l("Source"), choices=source_choices)
    resident_name = StringField(_l("Resident's name (only with their consent)"), filters=[strip],
                                validators=[Optional(), Length(max=80, message=_l("At most 80 characters."))])
    consent_recorded = BooleanField(_l("The resident agreed to be named, and this is recorded"))


class NeedSearchForm(BaseForm):
    class Meta:
        csrf = False

    state = SelectField(_l("State"), choices=lambda: choices([("", _l("All states"))]) + state_choices(),
                        validators=[Optional()])
    group = SelectField(_l("Group"), choices=lambda: choices([("", _l("All groups"))]) + group_choices(),
                        validators=[Optional()])
    urgency = SelectField(_l("Urgency"), choices=lambda: choices([("", _l("All"))]) + urgency_choices(),
                          validators=[Optional()])


class MatchForm(BaseForm):
    """A service or a team (exactly one: checked by the service layer)."""

    service_id = SelectField(_l("Service"), coerce=int, choices=[], validators=[Optional()])
    team_id = SelectField(_l("or a resident team"), coerce=int, choices=[], validators=[Optional()])
    meeting_id = SelectField(_l("Decided at the council meeting"), coerce=int, choices=[],
                             validators=[Optional()])
    note = StringField(_l("Note"), filters=[strip],
                       validators=[Length(max=500, message=_l("At most 500 characters."))])


class TransitionForm(BaseForm):
    action = HiddenField(validators=[DataRequired(message=REQUIRED)])
    reason = StringField(_l("Reason"), filters=[strip],
                         validators=[Length(max=500, message=_l("At most 500 characters."))])


class MeetingForm(BaseForm):
    held_on = DateField(_l("Date"), validators=[DataRequired(message=REQUIRED)])
    title = StringField(_l("Meeting title"), filters=[strip], validators=[
        DataRequired(message=REQUIRED), Length(max=200, message=_l("At most 200 characters."))])
    user_ids = MultiCheckboxField(_l("Council members present"), coerce=int, choices=[])
    partner_ids = MultiCheckboxField(_l("Invited partners present"), coerce=int, choices=[])
    other_attendees = StringField(_l("Others present"), filters=[strip],
                                  validators=[Length(max=500, message=_l("At most 500 characters."))])
    agenda = TextAreaField(_l("Agenda"), filters=[strip],
                           validators=[Length(max=5000, message=_l("At most 5000 characters."))])
    minutes = TextAreaField(_l("Minutes"), filters=[strip],
                            validators=[Length(max=20000, message=_l("At most 20000 characters."))])
    decisions = TextAreaField(_l("Decisions"), filters=[strip],
                              validators=[Length(max=5000, message=_l("At most 5000 characters."))])
