"""Volunteer, team and membership forms. Input checks only."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from charity.accounts.forms import REQUIRED, MultiCheckboxField, choices
from charity.forms import BaseForm, mobile_number, strip
from charity.teams.labels import GROUP_LABELS, TEAM_ROLE_LABELS


def group_choices():
    return choices((g.value, label) for g, label in GROUP_LABELS.items())


def team_role_choices():
    return choices((r.value, label) for r, label in TEAM_ROLE_LABELS.items())


class VolunteerForm(BaseForm):
    name = StringField(_l("Name"), filters=[strip],
                       validators=[DataRequired(message=REQUIRED),
                                    Length(max=80, message=_l("At most 80 characters."))])
    phone = StringField(
        _l("Mobile phone"), filters=[mobile_number],
        validators=[DataRequired(message=REQUIRED),
                    Regexp(r"^1[3-9]\d{9}$", message=_l("Enter an 11-digit mainland mobile number."))],
        render_kw={"inputmode": "tel", "autocomplete": "off"})
    tags = StringField(_l("Tags"), filters=[strip],
                       validators=[Optional(),
                                            Length(max=200, message=_l("At most 200 characters."))])
    consent_on = DateField(_l("Consent to keep their data given on"), validators=[Optional()])
    user_id = SelectField(_l("Sign-in account"), coerce=str, validators=[Optional()])
    team_id = SelectField(_l("Team"), coerce=str, validators=[Optional()])
    role = SelectField(_l("Role in the team"), choices=team_role_choices, default="member")


class TeamForm(BaseForm):
    name = StringField(_l("Name"), filters=[strip],
                       validators=[DataRequired(message=REQUIRED),
                                    Length(max=100, message=_l("At most 100 characters."))])
    description = TextAreaField(_l("Description"), filters=[strip],
                                validators=[Optional(),
                                            Length(max=2000, message=_l("At most 2000 characters."))])
    focus_groups = MultiCheckboxField(_l("Focus groups"), choices=group_choices)


class MemberAddForm(BaseForm):
    volunteer_id = SelectField(_l("Volunteer"), coerce=str,
                               validators=[InputRequired(message=REQUIRED)])
    role = SelectField(_l("Role in the team"), choices=team_role_choices, default="member")
    joined_on = DateField(_l("Joined on"), validators=[Optional()])


class MemberRoleForm(BaseForm):
    role = SelectField(_l("New role"), choices=team_role_choices,
                       validators=[InputRequired(message=REQUIRED)])


class MemberLeaveForm(BaseForm):
    left_on = DateField(_l("Left on"), validators=[Optional()])


class PeriodForm(BaseForm):
    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
