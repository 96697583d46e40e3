"""Answers expected of a route by each kind of visitor, shared by the access matrix.

Each domain lists its routes in its own ``tests/access_<domain>.py`` with a ``MATRIX``
dict like the one in ``test_access_matrix.py`` and, for new URL arguments, a ``SAMPLES``
dict of ``name -> function(app, world)`` giving a value from community A (creating the
object if needed). ``test_access_matrix.py`` collects them all.
"""

from tests.conftest import ROLES

ACTORS = ("anonymous",) + ROLES + ("other_admin",)
LOGIN = "login"  # 302 to the login page
OK = 200
REDIRECT = 302  # a redirect that is not to the login page
FORBIDDEN = 403
MISSING = 404
INVALID = 400  # a POST reached the view and its empty form was refused
UNPROCESSABLE = 422


def rule(anonymous=LOGIN, allowed=(), ok=OK, denied=FORBIDDEN, other=None, data=None, expert=None):
    """Expected answers: ``allowed`` roles of A get ``ok``, other roles of A ``denied``;
    B's admin gets ``other`` (default: the same as an admin of A); ``expert`` overrides
    the expert reviewer's answer (refused at the door where others are refused per row)."""
    expected = {"anonymous": anonymous}
    for role in ROLES:
        expected[role] = ok if role in allowed else denied
    if expert is not None:
        expected["expert"] = expert
    expected["other_admin"] = other if other is not None else expected["admin"]
    return expected, data or {}


EVERYONE = ROLES
#: Every role of the community's programme: all but the external expert reviewer, who
#: sees only the grant rounds of their panel.
MEMBERS = tuple(r for r in ROLES if r != "expert")
