"""Managing users and their roles in a community. Services flush, never commit; each
change of state writes an audit event in the same transaction."""

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash

from charity import signals
from charity.accounts.auth import (
    USERNAME_PATTERN,
    clear_account_lock,
    end_all_sessions,
    hash_password,
    normalise_username,
)
from charity.accounts.errors import WrongPassword  # noqa: F401  (callers use the names here too)
from charity.accounts.models import ROLE_ORDER, Community, Membership, Role, User
from charity.audit.services import record, snapshot
from charity.dbutil import lock_row
from charity.errors import CharityError, DuplicateUsername, LastAdminError, ValidationFailed
from charity.extensions import db

PROFILE_FIELDS = ("username", "display_name", "phone", "locale", "active")


def _roles_sorted(roles):
    roles = {Role(r) for r in roles}
    return [r.value for r in ROLE_ORDER if r in roles]


def _profile(user, community):
    data = snapshot(user, *PROFILE_FIELDS)
    data["roles"] = _roles_sorted(user.roles_in(community.id))
    return data


#: Community short names, used on the command line and in file names.
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


def create_community(*, name, slug, street="", district="", actor=None):
    """Create a community, then let each domain seed it (in the same transaction: the
    :data:`charity.signals.community_created` signal).

    :raises ValidationFailed: a bad or taken short name, or an empty or overlong name.
    """
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise ValidationFailed(_l("The short name takes 2 to 40 lower-case letters, digits or dashes."))
    name, street, district = name.strip(), street.strip(), district.strip()
    if not name or max(len(name), len(street), len(district)) > 100:
        raise ValidationFailed(_l("Names take 1 to 100 characters."))
    if db.session.scalar(sa.select(Community.id).where(Community.slug == slug)):
        raise ValidationFailed(_l("A community with this short name already exists."))
    community = Community(name=name, slug=slug, street=street, district=district)
    db.session.add(community)
    db.session.flush()
    record("community.create", "community", community.id, community=community, actor=actor,
           label=community.name, after=snapshot(community, "name", "slug", "street", "district"))
    signals.community_created.send(community)
    return community


def username_taken(username):
    return db.session.scalar(
        sa.select(User.id).where(User.username == normalise_username(username))) is not None


def create_user(community, *, username, display_name, password, roles, phone=None,
                locale=None, must_change_password=True, actor=None):
    """Create a user holding ``roles`` in ``community``.

    :raises DuplicateUsername: the name is taken, in this or any other community (also
        when a concurrent request takes it first).
    :raises ValidationFailed: a malformed name, or no role.
    """
    username = normalise_username(username)
    display_name = (display_name or "").strip()
    if not USERNAME_PATTERN.match(username):
        raise ValidationFailed(_l("3 to 40 characters: letters, digits, dot, dash or underscore."))
    if not display_name or len(display_name) > 80:
        raise ValidationFailed(_l("Names take 1 to 80 characters."))
    if not roles:
        raise ValidationFailed(_l("Choose at least one role."))
    if username_taken(username):
        raise DuplicateUsername(_l("This username is already taken. Please choose another."))
    user = User(
        username=username,
        display_name=display_name,
        phone=phone or None,
        locale=locale or None,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    try:
        with db.session.begin_nested():  # a savepoint: a lost race undoes this insert only
            db.session.add(user)
            db.session.flush()
    except sa.exc.IntegrityError as exc:  # taken between the check and the insert
        raise DuplicateUsername(_l("This username is already taken. Please choose another.")) from exc
    for role in _roles_sorted(roles):
        db.session.add(Membership(user=user, community=community, role=Role(role)))
    db.session.flush()
    db.session.refresh(user, ["memberships"])
    record("user.create", "user", user.id, community=community, actor=actor, label=user.display_name,
           after=_profile(user, community))
    return user


def belongs_elsewhere(community, user):
    """True when the account also holds a role in another community."""
    return any(m.community_id != community.id for m in user.memberships)


def _only_here(community, user):
    """Refuse account-wide changes (password, profile, active) to a shared account: the
    admins of one community must not take over an account another community relies on."""
    if belongs_elsewhere(community, user):
        raise CharityError(_l(
            "This account also belongs to another community, so only its roles here can be "
            "changed. Its owner can change the password; for the rest ask that community's staff."))


def _active_admin_ids(community):
    return set(db.session.scalars(
        sa.select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.community_id == community.id, Membership.role == Role.admin,
               User.active.is_(True))
    ))


def _guard_last_admin(community, user):
    """Refuse a change that leaves ``community`` without an active admin. The caller has
    locked the community row, so two admins cannot demote each other at once."""
    if _active_admin_ids(community) - {user.id}:
        return
    raise LastAdminError(_l("The community must keep at least one active service-centre staff account."))


def update_user(community, user, *, roles, profile=None, actor=None):
    """Change a member's roles in ``community`` (other communities' roles are untouched)
    and, with ``profile`` (``display_name``, ``phone``, ``locale``; None leaves them),
    for an account of this community only, their name, phone and language.

    An empty ``roles`` removes a shared account from this community.

    :raises LastAdminError: the change would leave no active admin.
    :raises CharityError: profile changes to a shared account, or no role for an account
        that belongs here only.
    """
    lock_row(Community, community.id)
    db.session.expire(user)  # read it again now that concurrent changes are excluded
    before = _profile(user, community)
    shared = belongs_elsewhere(community, user)
    if profile is not None:
        _only_here(community, user)
    if not roles and not shared:
        raise ValidationFailed(_l("Choose at least one role, or deactivate the account."))
    wanted = set(_roles_sorted(roles))
    current = {m.role.value: m for m in user.memberships if m.community_id == community.id}
    if "admin" in current and "admin" not in wanted:
        _guard_last_admin(community, user)
    for role, membership in current.items():
        if role not in wanted:
            db.session.delete(membership)
    for role in wanted - set(current):
        db.session.add(Membership(user=user, community=community, role=Role(role)))
    if profile is not None:
        user.display_name = (profile["display_name"] or "").strip()
        user.phone = profile["phone"] or None
        user.locale = profile["locale"] or None
    db.session.flush()
    db.session.refresh(user, ["memberships"])
    after = _profile(user, community)
    if after != before:
        record("user.update", "user", user.id, community=community, actor=actor,
               label=user.display_name, before=before, after=after)
    return user


def reset_password(community, user, new_password, *, actor=None):
    """Staff set a temporary password; the user must change it after signing in, and
    every session they had ends. Any sign-in lock on the account is lifted too."""
    _only_here(community, user)
    user.password_hash = hash_password(new_password)
    user.must_change_password = True
    end_all_sessions(user)
    clear_account_lock(user.username)
    record("user.reset_password", "user", user.id, community=community, actor=actor,
           label=user.display_name, after={"must_change_password": True})


def deactivate(community, user, *, actor):
    """Deactivate an account: it can no longer sign in and its sessions end.

    The account is shared by every community it belongs to, so an admin may deactivate
    it only when it belongs to their community alone.
    """
    lock_row(Community, community.id)
    db.session.expire(user)
    if actor is not None and user.id == actor.id:
        raise CharityError(_l("You cannot deactivate your own account."))
    if not user.active:
        raise CharityError(_l("This account is already deactivated."))
    _only_here(community, user)
    if Role.admin in user.roles_in(community.id):
        _guard_last_admin(community, user)
    user.active = False
    end_all_sessions(user)
    record("user.deactivate", "user", user.id, community=community, actor=actor,
           label=user.display_name, before={"active": True}, after={"active": False})


def reactivate(community, user, *, actor):
    if user.active:
        raise CharityError(_l("This account is already active."))
    _only_here(community, user)
    user.active = True
    db.session.flush()
    record("user.reactivate", "user", user.id, community=community, actor=actor,
           label=user.display_name, before={"active": False}, after={"active": True})


def unlock(community, user, *, actor):
    """Lift a sign-in lock (an elderly user who mistyped too often). Harmless for a
    shared account too: it only lets its owner try again."""
    clear_account_lock(user.username)
    record("user.unlock", "user", user.id, community=community, actor=actor, label=user.display_name)


def change_own_password(user, current_password, new_password, *, community=None):
    """The user changes their own password; every other session of theirs ends.

    :raises ValidationFailed: the current password is wrong.
    """

    if not check_password_hash(user.password_hash, current_password or ""):
        raise WrongPassword(_l("The current password is not correct."))
    if check_password_hash(user.password_hash, new_password):
        raise ValidationFailed(_l("The new password must differ from the current one."))
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    end_all_sessions(user)
    record("user.change_password", "user", user.id, community=community, actor=user,
           label=user.display_name)
