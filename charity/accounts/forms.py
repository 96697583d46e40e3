"""Sign-in and user-management forms. Input checks only; rules that need other rows
live in services."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from charity.accounts.auth import USERNAME_PATTERN, normalise_username, password_is_strong
from charity.accounts.models import ROLE_ORDER
from charity.forms import BaseForm, mobile_number, strip
from charity.i18n import LANGUAGE_NAMES, role_label

REQUIRED = _l("This field is required.")


def _username(value):
    return normalise_username(value) if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def password_strength(form, field):
    if not password_is_strong(field.data or ""):
        raise ValidationError(_l("Use letters and digits together."))


def new_password_fields(label=None):
    password = PasswordField(
        label or _l("New password"),
        validators=[
            DataRequired(message=REQUIRED),
            Length(min=8, max=128, message=_l("Between 8 and 128 characters.")),
            password_strength,
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(message=REQUIRED),
                    EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class LoginForm(BaseForm):
    username = StringField(
        _l("Username"),
        filters=[strip],
        validators=[DataRequired(message=REQUIRED), Length(max=40, message=_l("At most 40 characters."))],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=REQUIRED), Length(max=128, message=_l("At most 128 characters."))],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


def choices(pairs):
    """``[(value, label), ...]`` as WTForms options."""
    return [SelectChoice(value, label) for value, label in pairs]


def _role_choices():
    return choices((r.value, role_label(r)) for r in ROLE_ORDER)


def _locale_choices():
    return choices([("", _l("Follow the browser"))] + list(LANGUAGE_NAMES.items()))


class _ProfileFields(BaseForm):
    display_name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(message=REQUIRED), Length(max=80, message=_l("At most 80 characters."))],
    )
    phone = StringField(
        _l("Mobile phone"),
        filters=[mobile_number],
        validators=[Optional(), Regexp(r"^1[3-9]\d{9}$",
                                       message=_l("Enter an 11-digit mainland mobile number."))],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    locale = SelectField(_l("Interface language"), choices=_locale_choices, default="",
                         validate_choice=True)
    roles = MultiCheckboxField(
        _l("Roles in this community"),
        choices=_role_choices,
        validators=[DataRequired(message=_l("Choose at least one role."))],
    )


class UserCreateForm(_ProfileFields):
    username = StringField(
        _l("Username"),
        filters=[_username],
        validators=[
            DataRequired(message=REQUIRED),
            Regexp(USERNAME_PATTERN,
                   message=_l("3 to 40 characters: letters, digits, dot, dash or underscore.")),
        ],
        render_kw={"autocapitalize": "none", "autocomplete": "off"},
    )
    password, confirm = new_password_fields(_l("First password"))



class UserEditForm(_ProfileFields):
    pass


class UserRolesForm(BaseForm):
    """Roles only, for an account shared with another community (may be emptied)."""

    roles = MultiCheckboxField(_l("Roles in this community"), choices=_role_choices)


class ResetPasswordForm(BaseForm):
    password, confirm = new_password_fields()


class ChangePasswordForm(BaseForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=REQUIRED), Length(max=128, message=_l("At most 128 characters."))],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = new_password_fields()


class ConfirmForm(BaseForm):
    """An empty form: a button that POSTs with a CSRF token."""


class LanguageForm(BaseForm):
    language = SelectField(choices=lambda: choices(LANGUAGE_NAMES.items()),
                           validators=[InputRequired(message=REQUIRED)])
    next = HiddenField()


class CommunityForm(BaseForm):
    community_id = IntegerField(validators=[InputRequired(message=REQUIRED)])
    next = HiddenField()


class UserSearchForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[strip], validators=[Optional(), Length(max=80)])
    role = SelectField(_l("Role"), choices=lambda: choices([("", _l("All roles"))]) + _role_choices(),
                       validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=lambda: choices([("", _l("All")), ("active", _l("Active")),
                                 ("inactive", _l("Deactivated")), ("locked", _l("Sign-in locked"))]),
        validators=[Optional()],
    )
