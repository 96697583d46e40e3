"""Managing users and their roles in a community. Services flush, never commit; each
change of state writes an audit event in the same transaction."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.accounts.auth import (
    clear_account_lock,
    end_all_sessions,
    hash_password,
    normalise_username,
)
from charity.accounts.models import ROLE_ORDER, Community, Membership, Role, User
from charity.audit.services import record, snapshot
from charity.errors import CharityError, DuplicateUsername, LastAdminError, ValidationFailed
from charity.extensions import db


class WrongPassword(ValidationFailed):
    """The current password given was not the user's."""


PROFILE_FIELDS = ("username", "display_name", "phone", "locale", "active")


def _roles_sorted(roles):
    roles = {Role(r) for r in roles}
    return [r.value for r in ROLE_ORDER if r in roles]


def _profile(user, community):
    data = snapshot(user, *PROFILE_FIELDS)
    data["roles"] = _roles_sorted(user.roles_in(community.id))
    return data


def create_community(*, name, slug, street="", district="", actor=None):
    slug = slug.strip().lower()
    if db.session.scalar(sa.select(Community.id).where(Community.slug == slug)):
        raise ValidationFailed(_l("A community with this short name already exists."))
    community = Community(name=name.strip(), slug=slug, street=street.strip(), district=district.strip())
    db.session.add(community)
    db.session.flush()
    record("community.create", "community", community.id, community=community, actor=actor,
           after=snapshot(community, "name", "slug", "street", "district"))
    return community


def create_user(community, *, username, display_name, password, roles, phone=None,
                locale=None, must_change_password=True, actor=None):
    """Create a user holding ``roles`` in ``community``.

    :raises DuplicateUsername: the name is taken, in this or any other community.
    """
    username = normalise_username(username)
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise DuplicateUsername(_l("This username is already taken. Please choose another."))
    if not roles:
        raise ValidationFailed(_l("Choose at least one role."))
    user = User(
        username=username,
        display_name=display_name.strip(),
        phone=phone or None,
        locale=locale or None,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    for role in _roles_sorted(roles):
        db.session.add(Membership(user=user, community=community, role=Role(role)))
    db.session.flush()
    db.session.refresh(user, ["memberships"])
    record("user.create", "user", user.id, community=community, actor=actor,
           after=_profile(user, community))
    return user


def _active_admin_ids(community):
    return set(db.session.scalars(
        sa.select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.community_id == community.id, Membership.role == Role.admin,
               User.active.is_(True))
    ))


def _guard_last_admin(community, user):
    if _active_admin_ids(community) - {user.id}:
        return
    raise LastAdminError(_l("The community must keep at least one active service-centre staff account."))


def update_user(community, user, *, display_name, phone, locale, roles, actor=None):
    """Change a member's profile and their roles in ``community`` (other communities'
    roles are untouched).

    :raises LastAdminError: the change would leave no active admin.
    """
    if not roles:
        raise ValidationFailed(_l("Choose at least one role."))
    before = _profile(user, community)
    wanted = set(_roles_sorted(roles))
    current = {m.role.value: m for m in user.memberships if m.community_id == community.id}
    if "admin" in current and "admin" not in wanted:
        _guard_last_admin(community, user)
    for role, membership in current.items():
        if role not in wanted:
            db.session.delete(membership)
    for role in wanted - set(current):
        db.session.add(Membership(user=user, community=community, role=Role(role)))
    user.display_name = display_name.strip()
    user.phone = phone or None
    user.locale = locale or None
    db.session.flush()
    db.session.refresh(user, ["memberships"])
    after = _profile(user, community)
    if after != before:
        record("user.update", "user", user.id, community=community, actor=actor,
               before=before, after=after)
    return user


def reset_password(community, user, new_password, *, actor=None):
    """Staff set a temporary password; the user must change it after signing in, and
    every session they had ends. Any sign-in lock on the account is lifted too."""
    user.password_hash = hash_password(new_password)
    user.must_change_password = True
    end_all_sessions(user)
    clear_account_lock(user.username)
    record("user.reset_password", "user", user.id, community=community, actor=actor,
           after={"must_change_password": True})


def deactivate(community, user, *, actor):
    """Deactivate an account: it can no longer sign in and its sessions end.

    The account is shared by every community it belongs to, so an admin may deactivate
    it only when it belongs to their community alone.
    """
    if actor is not None and user.id == actor.id:
        raise CharityError(_l("You cannot deactivate your own account."))
    if not user.active:
        raise CharityError(_l("This account is already deactivated."))
    if any(m.community_id != community.id for m in user.memberships):
        raise CharityError(_l(
            "This account also belongs to another community. Remove its roles here instead, "
            "or ask that community's staff."))
    if Role.admin in user.roles_in(community.id):
        _guard_last_admin(community, user)
    user.active = False
    end_all_sessions(user)
    record("user.deactivate", "user", user.id, community=community, actor=actor,
           before={"active": True}, after={"active": False})


def reactivate(community, user, *, actor):
    if user.active:
        raise CharityError(_l("This account is already active."))
    user.active = True
    db.session.flush()
    record("user.reactivate", "user", user.id, community=community, actor=actor,
           before={"active": False}, after={"active": True})


def unlock(community, user, *, actor):
    """Lift a sign-in lock (an elderly user who mistyped too often)."""
    clear_account_lock(user.username)
    record("user.unlock", "user", user.id, community=community, actor=actor)


def change_own_password(user, current_password, new_password, *, community=None):
    """The user changes their own password; every other session of theirs ends.

    :raises ValidationFailed: the current password is wrong.
    """
    from werkzeug.security import check_password_hash

    if not check_password_hash(user.password_hash, current_password or ""):
        raise WrongPassword(_l("The current password is not correct."))
    if check_password_hash(user.password_hash, new_password):
        raise ValidationFailed(_l("The new password must differ from the current one."))
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    end_all_sessions(user)
    record("user.change_password", "user", user.id, community=community, actor=user)
