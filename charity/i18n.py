"""Interface language: Simplified Chinese first, English second.

The choice, in order: the signed-in user's saved preference, the choice made on the
login page (kept in the session), the browser's ``Accept-Language``, then Chinese.
"""

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

#: The name of each language in itself, for the switcher.
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def select_locale():
    if not has_request_context():  # command line: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language():
    return str(get_locale().language)


# Words of the field used across modules; lazy so each request gets its own language.
ROLE_LABELS = {
    "admin": _l("Service-centre staff"),
    "council": _l("Council member"),
    "expert": _l("Expert reviewer"),
    "leader": _l("Team leader"),
    "auditor": _l("Auditor"),
    "merchant": _l("Merchant partner"),
    "volunteer": _l("Volunteer"),
}


#: What each role can do in the app as it stands; shown on the home page.
ROLE_DESCRIPTIONS = {
    "admin": _l("As service-centre staff you run the community's partners and services, needs, "
                "teams and projects, verify activities, run micro-venture rounds and pay "
                "grants, keep the community fund and the points scheme, and manage user "
                "accounts."),
    "council": _l("As a council member you match needs to services, record council meetings, "
                  "publish projects and confirm claims, review and vote on micro-venture "
                  "applications, evaluate grants, and can read everything."),
    "expert": _l("As an expert reviewer you see the micro-venture applications of the rounds "
                 "on whose review panel you sit, declare conflicts of interest and score them."),
    "leader": _l("As a team leader you manage your team's members, log its activities "
                 "against its projects, apply for micro-venture grants and report on them."),
    "auditor": _l("As an auditor you can read everything, download the resource list, fund "
                  "and grant statements and exports, and verify the fund ledger."),
    "merchant": _l("As a merchant partner you see your shop and its services, confirm "
                   "volunteers' redemption codes and print your monthly settlement."),
    "volunteer": _l("As a volunteer you see your verified service hours and your points, "
                    "and redeem points with the charity merchant partners."),
}


def role_label(role):
    value = getattr(role, "value", role)
    return ROLE_LABELS.get(value, value)


def register(app):
    app.add_template_global(current_language)
    app.add_template_global(LANGUAGE_NAMES, "language_names")
    app.add_template_filter(role_label, "role_label")
    app.add_template_global(ROLE_DESCRIPTIONS, "role_descriptions")
