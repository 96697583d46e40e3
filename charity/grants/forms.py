"""Grant forms: input checks only; the services enforce the rules that need other rows."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from charity.accounts.forms import REQUIRED, MultiCheckboxField, choices
from charity.forms import BaseForm, YuanField, parse_yuan, strip
from charity.grants.applications import LineInput
from charity.grants.labels import CONFLICT_LABELS, QUORUM_LABELS, VOTE_LABELS
from charity.grants.models import SCORE_MAX, ConflictKind, QuorumRule, VoteChoice
from charity.partners.forms import group_choices

#: Rows offered on the round form for criteria, and on the application form for budget lines.
CRITERIA_ROWS = 8
BUDGET_ROWS = 12


def _max(n):
    return Length(max=n, message=_l("At most %(n)d characters.", n=n))


class CriterionRow(Form):
    name = StringField(_l("Criterion"), filters=[strip], validators=[_max(100)])
    description = StringField(_l("What the panel looks at"), filters=[strip], validators=[_max(500)])
    weight = IntegerField(_l("Weight in percent"), validators=[
        Optional(), NumberRange(min=1, max=100, message=_l("From 1 to 100."))])


class RoundForm(BaseForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(message=REQUIRED), _max(120)])
    eligibility = TextAreaField(_l("Who may apply"), filters=[strip], validators=[_max(5000)])
    cap = YuanField(_l("Budget cap (yuan)"))
    max_per_application = YuanField(_l("Most per application (yuan)"))
    opens_on = DateField(_l("Opens on"), validators=[DataRequired(message=REQUIRED)])
    closes_on = DateField(_l("Closes on"), validators=[DataRequired(message=REQUIRED)])
    quorum_rule = SelectField(_l("Quorum"), default=QuorumRule.majority.value,
                              choices=lambda: choices((q.value, QUORUM_LABELS[q]) for q in QuorumRule))
    notice_days = IntegerField(_l("Public notice (working days)"), default=5, validators=[
        DataRequired(message=REQUIRED), NumberRange(min=1, max=30, message=_l("From 1 to 30."))])
    criteria = FieldList(FormField(CriterionRow), min_entries=CRITERIA_ROWS, max_entries=CRITERIA_ROWS)

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The round cannot close before it opens."))

    def criteria_rows(self):
        return [(row.form.name.data, row.form.description.data, row.form.weight.data or 0)
                for row in self.criteria if row.form.name.data]

    def round_data(self):
        return {"name": self.name.data, "eligibility": self.eligibility.data, "cap_fen": self.cap.fen,
                "max_per_application_fen": self.max_per_application.fen, "opens_on": self.opens_on.data,
                "closes_on": self.closes_on.data, "quorum_rule": self.quorum_rule.data,
                "notice_days": self.notice_days.data}


class ReviewerForm(BaseForm):
    user_id = SelectField(_l("Panel member"), coerce=int, choices=[],
                          validators=[DataRequired(message=REQUIRED)])
    affiliation = StringField(_l("Affiliation (shown on the public notice)"), filters=[strip],
                              validators=[_max(120)])


class ChairForm(BaseForm):
    user_id = SelectField(_l("Chair of the panel"), coerce=int, choices=[], validators=[Optional()])


class LineRow(Form):
    item = StringField(_l("Item"), filters=[strip], validators=[_max(120)])
    quantity = IntegerField(_l("Quantity"), validators=[
        Optional(), NumberRange(min=1, max=100000, message=_l("From 1 to 100000."))])
    unit_cost = StringField(_l("Unit cost (yuan)"), filters=[strip], validators=[_max(20)])
    partner_id = SelectField(_l("Bought from a partner"), coerce=int, choices=[], validate_choice=False,
                             validators=[Optional()])

    def validate_unit_cost(self, field):
        if not self.item.data:
            return
        fen = parse_yuan(field.data)
        if fen is None or fen <= 0:
            raise ValidationError(_l("Enter an amount in yuan, such as 1280 or 1280.50."))

    def validate_quantity(self, field):
        if self.item.data and not field.data:
            raise ValidationError(REQUIRED)


class ApplicationForm(BaseForm):
    title = StringField(_l("Project title"), filters=[strip], validators=[DataRequired(message=REQUIRED),
                                                                          _max(120)])
    summary = TextAreaField(_l("Summary"), filters=[strip], validators=[DataRequired(message=REQUIRED),
                                                                        _max(5000)])
    target_groups = MultiCheckboxField(_l("Target groups"), choices=group_choices)
    planned_activities = TextAreaField(_l("Planned activities"), filters=[strip],
                                       validators=[DataRequired(message=REQUIRED), _max(5000)])
    lines = FieldList(FormField(LineRow), min_entries=BUDGET_ROWS, max_entries=BUDGET_ROWS)

    def line_inputs(self):
        return [LineInput(item=row.form.item.data, quantity=row.form.quantity.data,
                          unit_cost_fen=parse_yuan(row.form.unit_cost.data),
                          partner_id=row.form.partner_id.data or None)
                for row in self.lines if row.form.item.data]


class AttachmentForm(BaseForm):
    file = FileField(_l("File (photo or PDF)"), validators=[FileRequired(message=REQUIRED)])


class StepForm(BaseForm):
    action = HiddenField(validators=[DataRequired(message=REQUIRED)])
    info_request = TextAreaField(_l("What is needed"), filters=[strip], validators=[_max(1000)])
    notice_start = DateField(_l("Notice starts on"), validators=[Optional()])


class ConflictForm(BaseForm):
    kind = SelectField(_l("Conflict of interest"),
                       choices=lambda: choices((k.value, CONFLICT_LABELS[k]) for k in ConflictKind))
    reason = StringField(_l("Details"), filters=[strip], validators=[_max(500)])

    def validate_reason(self, field):
        if self.kind.data == ConflictKind.other.value and not field.data:
            raise ValidationError(_l("Say what the conflict is."))


def score_form(criteria, formdata=None):
    """A form with points and a remark per criterion of the round."""

    class ScoreForm(BaseForm):
        comment = TextAreaField(_l("Overall comment"), filters=[strip], validators=[_max(1000)])

    for c in criteria:
        setattr(ScoreForm, f"points_{c.id}", IntegerField(c.name, validators=[
            Optional(),
            NumberRange(min=0, max=SCORE_MAX, message=_l("From 0 to %(max)d.", max=SCORE_MAX))],
            render_kw={"inputmode": "numeric", "min": 0, "max": SCORE_MAX}))
        setattr(ScoreForm, f"remark_{c.id}",
                StringField(_l("Remark"), filters=[strip], validators=[_max(500)]))

    class Checked(ScoreForm):
        def validate(self, extra_validators=None):
            ok = super().validate(extra_validators)
            for c in criteria:
                f = getattr(self, f"points_{c.id}")
                if f.data is None and not f.errors:
                    f.errors = list(f.errors) + [REQUIRED]
                    ok = False
            return ok

        def points(self):
            return {c.id: getattr(self, f"points_{c.id}").data for c in criteria}

        def remarks(self):
            return {c.id: getattr(self, f"remark_{c.id}").data for c in criteria}

        def rows(self):
            return [(c, getattr(self, f"points_{c.id}"), getattr(self, f"remark_{c.id}")) for c in criteria]

    return Checked(formdata=formdata) if formdata is not None else Checked()


def vote_form(members, formdata=None):
    """Meeting, one choice per council member (or "did not vote"), amount and conditions."""

    class VoteForm(BaseForm):
        meeting_id = SelectField(_l("Council meeting"), coerce=int, choices=[],
                                 validators=[DataRequired(message=REQUIRED)])
        approved = StringField(_l("Approved amount (yuan; empty: as requested)"), filters=[strip],
                               validators=[_max(20)])
        conditions = TextAreaField(_l("Conditions"), filters=[strip], validators=[_max(1000)])

        def validate_approved(self, field):
            if field.data and (parse_yuan(field.data) or 0) <= 0:
                raise ValidationError(_l("Enter an amount in yuan, such as 1280 or 1280.50."))

        def approved_fen(self):
            return parse_yuan(self.approved.data) if self.approved.data else None

        def votes(self):
            out = {}
            for u in members:
                value = getattr(self, f"vote_{u.id}").data
                if value:
                    out[u.id] = value
            return out

        def rows(self):
            return [(u, getattr(self, f"vote_{u.id}")) for u in members]

    for u in members:
        setattr(VoteForm, f"vote_{u.id}", SelectField(
            u.display_name, default="", validators=[Optional()],
            choices=lambda: choices([("", _l("Did not vote"))]
                                    + [(v.value, VOTE_LABELS[v]) for v in VoteChoice])))
    return VoteForm(formdata=formdata) if formdata is not None else VoteForm()


class ObjectionForm(BaseForm):
    name = StringField(_l("Your name"), filters=[strip],
                       validators=[DataRequired(message=REQUIRED), _max(80)])
    contact = StringField(_l("How to reach you (phone or e-mail; not published)"), filters=[strip],
                          validators=[DataRequired(message=REQUIRED), _max(100)])
    reason = TextAreaField(_l("Your objection and its grounds"), filters=[strip],
                           validators=[DataRequired(message=REQUIRED), _max(5000)])


class ResolveForm(BaseForm):
    outcome = SelectField(_l("Result of the investigation"),
                          choices=lambda: choices([("dismissed", _l("Dismissed: the grant proceeds")),
                                                   ("upheld", _l("Upheld: the grant is cancelled"))]))
    resolution = TextAreaField(_l("Findings and reason"), filters=[strip],
                               validators=[DataRequired(message=REQUIRED), _max(1000)])
