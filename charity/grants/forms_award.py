"""Forms after the award: input checks only; the service modules
(:mod:`charity.grants.agreements`, ``tranches``, ``evaluations``, ``claims``, ``closing``) enforce the rules.
Forms that move money carry an idempotency key (a double click posts once)."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from charity.accounts.forms import REQUIRED, MultiCheckboxField, choices
from charity.forms import BaseForm, KeyedForm, YuanField, not_ahead, plausible_date, strip
from charity.fund.api import method_choices
from charity.grants.agreements import DEFAULT_PLAN, MAX_TRANCHES
from charity.models_base import local_today

_PLAN = re.compile(r"^\s*\d{1,3}(\s*[,，/、 ]\s*\d{1,3})*\s*$")


def _method_field():
    return SelectField(_l("Paid by"), choices=method_choices, default="bank")


def _day_field(label):
    return DateField(label, default=local_today,
                     validators=[InputRequired(message=REQUIRED), plausible_date, not_ahead])


class AwardForm(BaseForm):
    plan = StringField(_l("Tranche plan (percent)"), default=" / ".join(str(p) for p in DEFAULT_PLAN),
                       filters=[strip], validators=[DataRequired(message=REQUIRED)],
                       description=_l("Whole percentages separated by slashes, summing to 100, e.g. "
                                      "50 / 30 / 20. Every tranche after the first waits for a passed "
                                      "mid-term evaluation."))
    project_id = SelectField(_l("Project"), coerce=int, default=0,
                             description=_l("A new project under the application's title, or a "
                                            "project the team already runs: its activities then count "
                                            "for the grant."))
    expected_activities = IntegerField(_l("Activities the team will run"), default=3,
                                       validators=[InputRequired(message=REQUIRED),
                                                   NumberRange(min=0, max=500)])

    percents = ()

    def validate_plan(self, field):
        text = field.data or ""
        if not _PLAN.match(text):
            raise ValidationError(_l("Write whole percentages such as 50 / 30 / 20."))
        parts = [int(p) for p in re.split(r"[,，/、 ]+", text.strip()) if p]
        if not 1 <= len(parts) <= MAX_TRANCHES or any(p <= 0 for p in parts) or sum(parts) != 100:
            raise ValidationError(_l("The tranche plan takes 1 to 6 whole percentages that sum to 100."))
        self.percents = tuple(parts)


class SignForm(BaseForm):
    signed_on = _day_field(_l("Signed on"))
    team_signatory = StringField(_l("Signed for the team by"), filters=[strip],
                                 validators=[DataRequired(message=REQUIRED), Length(max=80)])
    centre_signatory = StringField(_l("Signed for the service centre by"), filters=[strip],
                                   validators=[DataRequired(message=REQUIRED), Length(max=80)])


class PayForm(KeyedForm):
    paid_on = _day_field(_l("Paid on"))
    method = _method_field()


class EvaluationForm(BaseForm):
    self_evaluation = TextAreaField(_l("Self-evaluation"), filters=[strip],
                                    description=_l("What the team did, for whom, what went well and what "
                                                   "did not, how the money was used."),
                                    validators=[DataRequired(message=REQUIRED), Length(max=20000)])
    activity_ids = MultiCheckboxField(_l("Activity records"), coerce=int, choices=[])


class EvaluateForm(BaseForm):
    outcome = SelectField(_l("Result"), choices=choices([
        ("passed", _l("Pass: release the next tranche")), ("more_material", _l("Ask for more material")),
        ("failed", _l("Fail: stop every later tranche"))]))
    opinion = TextAreaField(_l("Evaluators' opinion"), filters=[strip],
                            validators=[DataRequired(message=REQUIRED), Length(max=20000)])


class ClaimForm(BaseForm):
    budget_line_id = SelectField(_l("Budget line"), coerce=int, choices=[])
    description = StringField(_l("What the money paid for"), filters=[strip],
                              validators=[DataRequired(message=REQUIRED), Length(max=300)])
    amount = YuanField(_l("Amount (yuan)"))
    spent_on = _day_field(_l("Spent on"))
    receipts = MultipleFileField(_l("Receipts (JPEG, PNG or PDF)"))

    def validate_receipts(self, field):
        if not [f for f in field.data or [] if getattr(f, "filename", "")]:
            raise ValidationError(_l("Attach at least one receipt."))


class ClaimDecisionForm(KeyedForm):
    decision = SelectField(_l("Decision"), choices=choices([("approve", _l("Approve and post")),
                                                            ("reject", _l("Reject"))]))
    note = TextAreaField(_l("Note (required for a rejection)"), filters=[strip],
                         validators=[Optional(), Length(max=500)])

    def validate_note(self, field):
        if self.decision.data == "reject" and not field.data:
            raise ValidationError(_l("Give the reason for the rejection."))


class ReportForm(BaseForm):
    narrative = TextAreaField(_l("What the project did"), filters=[strip],
                              validators=[DataRequired(message=REQUIRED), Length(max=20000)])
    outcomes = TextAreaField(_l("Outcomes"), filters=[strip], validators=[Optional(), Length(max=20000)])
    beneficiaries = IntegerField(_l("People served"), validators=[InputRequired(message=REQUIRED),
                                                                  NumberRange(min=0, max=10_000_000)])
    activity_ids = MultiCheckboxField(_l("Activity records"), coerce=int, choices=[])


class ReportDecisionForm(KeyedForm):
    decision = SelectField(_l("Decision"), choices=choices([("accept", _l("Accept and close the grant")),
                                                            ("return", _l("Return to the team"))]))
    opinion = TextAreaField(_l("Council's opinion (required to return)"), filters=[strip],
                            validators=[Optional(), Length(max=1000)])
    returned_on = _day_field(_l("Unspent money returned on"))
    method = _method_field()

    def validate_opinion(self, field):
        if self.decision.data == "return" and not field.data:
            raise ValidationError(_l("Say what the team must change."))


class TerminateForm(KeyedForm):
    reason = StringField(_l("Reason"), filters=[strip],
                         validators=[DataRequired(message=REQUIRED), Length(max=300)])
    returned_on = _day_field(_l("Unspent money returned on"))
    method = _method_field()
