"""Access control in one place: the current community, role guards and query scoping.

Every view that shows or changes community data is guarded by :func:`requires`, and
every query for community-owned rows goes through :func:`scoped` or
:func:`get_scoped_or_404`, so a user of community A never reaches B's rows.
"""

from functools import wraps

import sqlalchemy as sa
from flask import abort, g, session
from flask_login import current_user

from charity.accounts.models import Membership, Role, User
from charity.extensions import db, login_manager
from charity.formatting import mask_phone


def load_current_community():
    """Set ``g.community`` and ``g.roles`` for the signed-in user (before each request).

    The community comes from the session if the user still belongs to it, otherwise
    the user's first community. A user with no membership has no community.
    """
    g.community = None
    g.roles = frozenset()
    if not current_user.is_authenticated:
        return
    communities = current_user.communities()
    if not communities:
        return
    wanted = session.get("community_id")
    community = next((c for c in communities if c.id == wanted), communities[0])
    if wanted != community.id:
        session["community_id"] = community.id
    g.community = community
    g.roles = frozenset(current_user.roles_in(community.id))


def has_role(*roles):
    return bool(g.get("roles", frozenset()) & {Role(r) for r in roles})


#: Roles that see phone and ID numbers in full; everyone else sees them masked.
PERSONAL_DATA_ROLES = frozenset({Role.admin})

#: Keys whose values are personal data wherever they appear (audit before/after, exports).
PERSONAL_KEYS = frozenset({"phone", "mobile", "id_number"})


def sees_personal_data():
    """True when the current user's roles need phone and ID numbers in full."""
    return bool(g.get("roles", frozenset()) & PERSONAL_DATA_ROLES)


def phone_for_viewer(phone):
    """The phone number in full for roles that need it, else masked (138****5678)."""

    if not phone:
        return ""
    return phone if sees_personal_data() else mask_phone(phone)


def mask_personal(data):
    """A copy of ``data`` (dicts and lists, as stored in the audit trail) with personal
    values masked, unless the viewer's roles need them."""

    if sees_personal_data():
        return data
    if isinstance(data, dict):
        return {k: (mask_phone(v) if k in PERSONAL_KEYS and isinstance(v, str) else mask_personal(v))
                for k, v in data.items()}
    if isinstance(data, list):
        return [mask_personal(v) for v in data]
    return data


def requires(*roles):
    """Guard a view: sign-in required, and one of ``roles`` in the current community.

    Anonymous users are sent to the login page (with a safe ``next``); signed-in users
    without the role get 403. With no roles given, any member of the community passes
    except an external expert reviewer (``expert``), who sees only the grant rounds of
    their panel: a view open to experts names the role.
    """
    wanted = frozenset(Role(r) for r in roles) or frozenset(Role) - {Role.expert}

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if g.get("community") is None:
                abort(403)
            if wanted and not (g.roles & wanted):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = wanted
        return wrapped

    return decorator


def scoped(model):
    """``select(model)`` limited to the current community's rows."""
    return sa.select(model).where(model.community_id == g.community.id)


def get_scoped_or_404(model, ident):
    """The row of the current community with this id, or 404 (never another's)."""
    row = db.session.scalar(scoped(model).where(model.id == ident))
    if row is None:
        abort(404)
    return row


def community_members_query(community):
    """Users holding at least one role in ``community``."""
    member_ids = sa.select(Membership.user_id).where(Membership.community_id == community.id)
    return sa.select(User).where(User.id.in_(member_ids))


def get_member_or_404(user_id):
    """A user who belongs to the current community, or 404."""
    user = db.session.scalar(community_members_query(g.community).where(User.id == user_id))
    if user is None:
        abort(404)
    return user


def switchable_communities():
    if not current_user.is_authenticated:
        return []
    return current_user.communities()


__all__ = [
    "mask_personal",
    "phone_for_viewer",
    "sees_personal_data",
    "community_members_query",
    "get_member_or_404",
    "get_scoped_or_404",
    "has_role",
    "load_current_community",
    "requires",
    "scoped",
    "switchable_communities",
]
