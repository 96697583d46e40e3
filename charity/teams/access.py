"""Which teams the signed-in user may manage. Request-scoped (it reads ``g`` and
``current_user``), so views use it; services take the user and the community as arguments
(:func:`charity.teams.services.led_team_ids`)."""

from flask import g
from flask_login import current_user

from charity.accounts.access import has_role
from charity.teams.services import led_team_ids


def my_led_team_ids():
    """Ids of the teams the signed-in user currently leads in the current community."""
    if not current_user.is_authenticated:
        return set()
    return led_team_ids(current_user._get_current_object(), g.get("community"))


def can_manage_team(team_id):
    """Staff manage every team; a leader only the teams they currently lead."""
    if has_role("admin"):
        return True
    return has_role("leader") and team_id in my_led_team_ids()
