"""Project, claim and activity forms. Input checks only; the roster rows are read by
:func:`read_roster` because their number depends on the team."""

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from charity.accounts.forms import REQUIRED, MultiCheckboxField, choices
from charity.forms import BaseForm, strip
from charity.projects.models import ActivityKind
from charity.teams.forms import group_choices
from charity.teams.models import BeneficiaryGroup

KIND_LABELS = {
    ActivityKind.visit: _l("Home visit"),
    ActivityKind.class_: _l("Class"),
    ActivityKind.reading: _l("Reading"),
    ActivityKind.workshop: _l("Workshop"),
    ActivityKind.repair: _l("Repairs"),
    ActivityKind.haircut: _l("Free haircuts"),
    ActivityKind.charity_sale: _l("Charity sale"),
    ActivityKind.training: _l("Training"),
    ActivityKind.other: _l("Other"),
}


class ProjectLinksForm(BaseForm):
    """The need a project answers and the partners' services it draws on (choices are set
    by the view; the service layer checks them)."""

    need_id = SelectField(_l("Need it answers"), coerce=int, choices=[], validators=[Optional()])
    service_ids = MultiCheckboxField(_l("Partners' services it draws on"), coerce=int, choices=[])


class ProjectForm(ProjectLinksForm):
    title = StringField(_l("Title"), filters=[strip],
                        validators=[DataRequired(message=REQUIRED),
                                    Length(max=120, message=_l("At most 120 characters."))])
    description = TextAreaField(_l("Description"), filters=[strip],
                                validators=[Optional(),
                                            Length(max=4000, message=_l("At most 4000 characters."))])
    target_groups = MultiCheckboxField(_l("Target groups"), choices=group_choices)
    expected_activities = IntegerField(
        _l("Expected number of activities"), default=3,
        validators=[InputRequired(message=REQUIRED),
                    NumberRange(min=0, max=1000, message=_l("From 0 to 1000."))])


class ClaimForm(BaseForm):
    team_id = SelectField(_l("Team"), coerce=str, validators=[InputRequired(message=REQUIRED)])


class ReturnForm(BaseForm):
    reason = TextAreaField(_l("Reason for return"), filters=[strip],
                           validators=[DataRequired(message=_l("Say why the activity is returned.")),
                                       Length(max=500, message=_l("At most 500 characters."))])


class EvidenceForm(BaseForm):
    file = FileField(_l("Photo or sign-in sheet (JPEG, PNG or PDF)"),
                     validators=[FileRequired(message=_l("Choose a file."))])


class ActivityForm(BaseForm):
    title = StringField(_l("Title"), filters=[strip],
                        validators=[DataRequired(message=REQUIRED),
                                    Length(max=120, message=_l("At most 120 characters."))])
    kind = SelectField(_l("Type"), choices=lambda: choices((k.value, v) for k, v in KIND_LABELS.items()),
                       default="visit")
    day = DateField(_l("Date"), validators=[InputRequired(message=REQUIRED)])
    start = TimeField(_l("Start"), validators=[InputRequired(message=REQUIRED)])
    end = TimeField(_l("End"), validators=[InputRequired(message=REQUIRED)])
    place = StringField(_l("Place"), filters=[strip],
                        validators=[Optional(),
                                            Length(max=120, message=_l("At most 120 characters."))])
    description = TextAreaField(_l("What happened"), filters=[strip],
                                validators=[Optional(),
                                            Length(max=4000, message=_l("At most 4000 characters."))])


def beneficiary_field_name(group):
    return f"served_{BeneficiaryGroup(group).value}"


for _group in BeneficiaryGroup:
    setattr(ActivityForm, beneficiary_field_name(_group), IntegerField(
        _group.value, default=0,
        validators=[Optional(), NumberRange(min=0, max=100000, message=_l("From 0 to 100000."))],
        render_kw={"inputmode": "numeric", "min": 0}))

#: Rows for volunteers from outside the team on the activity form.
EXTRA_ROWS = 2


def parse_hours(text):
    """``"1.5"`` -> 90 minutes; None when not whole quarter hours from 0.25 to 24."""
    try:
        value = Decimal((text or "").strip().replace("，", ".").replace(",", "."))
    except InvalidOperation:
        return None
    minutes = value * 60
    if not value.is_finite() or minutes != minutes.to_integral_value():
        return None
    minutes = int(minutes)
    if minutes <= 0 or minutes > 1440 or minutes % 15:
        return None
    return minutes


def read_roster(formdata, member_ids, other_ids, default):
    """``({volunteer_id: minutes}, errors)`` from the roster rows of the activity form.

    A ticked team member ``member-<id>`` with hours ``hours-<id>`` (blank: the default);
    an extra row ``extra-<n>`` (a volunteer id) with ``extra-hours-<n>``.
    """
    roster, errors = {}, []
    bad = _l("Hours are given in quarter hours (0.25, 0.5, 0.75 …), at most 24.")

    def add(vid, text):
        minutes = default if not (text or "").strip() else parse_hours(text)
        if minutes is None:
            errors.append(bad)
        else:
            roster[vid] = minutes

    for vid in member_ids:
        if formdata.get(f"member-{vid}"):
            add(vid, formdata.get(f"hours-{vid}"))
    for n in range(EXTRA_ROWS):
        raw = (formdata.get(f"extra-{n}") or "").strip()
        if not raw:
            continue
        try:
            vid = int(raw)
        except ValueError:
            vid = None
        if vid not in other_ids and vid not in member_ids:
            errors.append(_l("Choose volunteers from the list."))
            continue
        add(vid, formdata.get(f"extra-hours-{n}"))
    return roster, sorted(set(map(str, errors)))
