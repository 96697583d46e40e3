"""Partner, service, search and import forms: input checks only."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from charity.accounts.forms import REQUIRED, MultiCheckboxField, choices
from charity.forms import BaseForm, strip
from charity.partners.labels import GROUP_LABELS, KIND_LABELS, STATUS_LABELS
from charity.partners.models import BeneficiaryGroup, PartnerKind, PartnerStatus

PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})$"


def phone_filter(value):
    return value.strip().replace(" ", "") if isinstance(value, str) else value


def kind_choices():
    return choices((k.value, KIND_LABELS[k.value]) for k in PartnerKind)


def status_choices():
    return choices((s.value, STATUS_LABELS[s.value]) for s in PartnerStatus)


def group_choices():
    return choices((g.value, GROUP_LABELS[g.value]) for g in BeneficiaryGroup)


def _any(label):
    return choices([("", label)])


class PartnerForm(BaseForm):
    name = StringField(_l("Partner name"), filters=[strip],
                       validators=[DataRequired(message=REQUIRED),
                                   Length(max=200, message=_l("At most 200 characters."))])
    kind = SelectField(_l("Kind"), choices=kind_choices)
    address = StringField(_l("Address"), filters=[strip],
                          validators=[Length(max=200, message=_l("At most 200 characters."))])
    contact_person = StringField(_l("Contact person"), filters=[strip],
                                 validators=[Length(max=80, message=_l("At most 80 characters."))])
    phone = StringField(_l("Phone"), filters=[phone_filter],
                        validators=[Optional(), Regexp(PHONE_PATTERN, message=_l(
                            "Enter an 11-digit mobile number or a landline such as 028-12345678."))],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    opening_hours = StringField(_l("Opening hours"), filters=[strip],
                                validators=[Length(max=200, message=_l("At most 200 characters."))])
    joined_on = DateField(_l("Joined"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=status_choices, default="active")
    is_charity_partner = BooleanField(_l("Charity merchant partner (signed the partner plan)"))
    partner_signed_on = DateField(_l("Partner plan signed on"), validators=[Optional()])
    contacts = MultiCheckboxField(_l("Merchant accounts acting for this partner"), coerce=int,
                                  choices=[])

    def data_for_service(self):
        return {f: getattr(self, f).data for f in (
            "name", "kind", "address", "contact_person", "phone", "opening_hours", "joined_on",
            "status", "is_charity_partner", "partner_signed_on")}


class ServiceForm(BaseForm):
    name = StringField(_l("Service"), filters=[strip],
                       validators=[DataRequired(message=REQUIRED),
                                   Length(max=200, message=_l("At most 200 characters."))])
    category_id = SelectField(_l("Category"), coerce=int, choices=[])
    description = TextAreaField(_l("Description"), filters=[strip],
                                validators=[Length(max=2000, message=_l("At most 2000 characters."))])
    target_groups = MultiCheckboxField(_l("Groups served"), choices=group_choices)
    schedule = StringField(_l("When offered"), filters=[strip],
                           validators=[Length(max=200, message=_l("At most 200 characters."))])
    monthly_quota = IntegerField(_l("Monthly quota (empty: no limit)"), validators=[
        Optional(), NumberRange(min=1, max=100000, message=_l("Between 1 and 100000."))])
    points_price = IntegerField(_l("Price in points (empty: points not accepted)"), validators=[
        Optional(), NumberRange(min=1, max=100000, message=_l("Between 1 and 100000."))])
    active = BooleanField(_l("Offered now"), default=True)

    def data_for_service(self):
        return {f: getattr(self, f).data for f in (
            "name", "category_id", "description", "target_groups", "schedule", "monthly_quota",
            "points_price", "active")}


class _Search(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[strip], validators=[Optional(), Length(max=80)])


class PartnerSearchForm(_Search):
    kind = SelectField(_l("Kind"), choices=lambda: _any(_l("All kinds")) + kind_choices(),
                       validators=[Optional()])
    status = SelectField(_l("Status"), choices=lambda: _any(_l("All")) + status_choices(),
                         validators=[Optional()])
    charity = SelectField(_l("Partner plan"), choices=lambda: choices([
        ("", _l("All")), ("yes", _l("Charity merchant partners")), ("no", _l("Others"))]),
        validators=[Optional()])


class ServiceSearchForm(_Search):
    category = SelectField(_l("Category"), coerce=str, choices=[], validators=[Optional()])
    group = SelectField(_l("Group"), choices=lambda: _any(_l("All groups")) + group_choices(),
                        validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=lambda: _any(_l("All kinds")) + kind_choices(),
                       validators=[Optional()])
    status = SelectField(_l("Status"), choices=lambda: choices([
        ("", _l("All")), ("active", _l("Offered now")), ("inactive", _l("Not offered"))]),
        validators=[Optional()])


class ImportForm(BaseForm):
    file = FileField(_l("Workbook (.xlsx)"), validators=[FileRequired(message=REQUIRED)])


class CategoryForm(BaseForm):
    name = StringField(_l("New category"), filters=[strip], validators=[
        DataRequired(message=REQUIRED), Length(max=60, message=_l("At most 60 characters."))])
