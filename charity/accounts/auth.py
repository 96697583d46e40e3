"""Sign-in: password checks, throttling of failures, and session versions."""

import ipaddress
import re
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.security import check_password_hash, generate_password_hash

from charity.accounts.models import LoginThrottle, User
from charity.dbutil import insert_ignore
from charity.errors import AccountLocked, CharityError
from charity.extensions import db
from charity.models_base import utcnow

#: Checked when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class InvalidCredentials(CharityError):
    pass


class AccountInactive(CharityError):
    pass


def hash_password(password):
    """A salted hash by ``PASSWORD_HASH_METHOD`` (scrypt, werkzeug's current default)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


#: What a new account may be called (lower case; sign-in lower-cases what is typed).
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,39}$")


def password_is_strong(password):
    """At least 8 characters, with letters and digits: enough for people who type on a
    phone, with throttling doing the rest."""
    return (8 <= len(password) <= 128 and any(ch.isalpha() for ch in password)
            and any(ch.isdigit() for ch in password))


def normalise_username(username):
    return (username or "").strip().lower()


def configure_login_manager(manager):
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to see this page.")
    manager.login_message_category = "info"
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(token):
        """The session holds ``"<id>:<session_version>"``; an old version is refused."""
        try:
            user_id, version = (int(part) for part in token.split(":", 1))
        except (ValueError, AttributeError):
            return None
        user = db.session.get(User, user_id)
        if user is None or not user.active or user.session_version != version:
            return None
        return user


def _lock_message(scope, minutes):
    if scope == "address":  # staff cannot lift this one: say how long to wait
        return ngettext(
            "Too many failed sign-ins from this network. Try again in %(num)d minute.",
            "Too many failed sign-ins from this network. Try again in %(num)d minutes.",
            minutes,
        )
    return ngettext(
        "Too many failed sign-ins. Try again in %(num)d minute, "
        "or ask the community service centre to unlock the account.",
        "Too many failed sign-ins. Try again in %(num)d minutes, "
        "or ask the community service centre to unlock the account.",
        minutes,
    )


def _minutes_until(moment, now):
    return max(1, int((moment - now).total_seconds() + 59) // 60)


def _where(scope, key):
    return (LoginThrottle.scope == scope) & (LoginThrottle.key == key)


def _count_attempt(scope, key, limit, now):
    """Count one attempt against ``key``; return ``(attempts, locked_until or None)``.

    The count is one UPDATE, so concurrent attempts can never slip past the limit; the
    password is checked only after the attempt is counted.
    """
    cfg = current_app.config
    insert_ignore(LoginThrottle, scope=scope, key=key, failures=0, window_started_at=now)
    # A new window once the old one is over and no lock is running.
    db.session.execute(
        sa.update(LoginThrottle)
        .where(_where(scope, key),
               LoginThrottle.window_started_at < now - timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"]),
               sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now))
        .values(failures=0, window_started_at=now, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    failures, locked_until = db.session.execute(
        sa.update(LoginThrottle).where(_where(scope, key))
        .values(failures=LoginThrottle.failures + 1)
        .returning(LoginThrottle.failures, LoginThrottle.locked_until)
        .execution_options(synchronize_session=False)
    ).one()
    if locked_until is not None and locked_until > now:
        return failures, locked_until
    if failures > limit:
        locked_until = now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
        db.session.execute(
            sa.update(LoginThrottle).where(_where(scope, key)).values(locked_until=locked_until)
            .execution_options(synchronize_session=False)
        )
        return failures, locked_until
    return failures, None


def _address_is_trusted(address):
    networks = current_app.config["LOGIN_TRUSTED_NETWORKS"]
    if not networks or not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)


class Attempt:
    """A counted sign-in attempt (see :func:`count_attempt`)."""

    def __init__(self, account_key, address_key):
        self.account_key = account_key
        self.address_key = address_key
        #: Wrong tries left on this account name before it locks, counting this one.
        self.tries_left = None


def count_attempt(username, address):
    """Count a sign-in attempt for this account name and client address.

    The caller commits right after, before the (deliberately slow) password check, so
    the count holds even if the check fails and no lock is held meanwhile.

    :raises AccountLocked: the name or the address failed too often recently.
    """
    cfg = current_app.config
    now = utcnow()
    attempt = Attempt(normalise_username(username)[:255], (address or "unknown")[:255])
    checks = [("account", attempt.account_key, cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"])]
    if _address_is_trusted(address):
        attempt.address_key = None
    else:
        checks.append(("address", attempt.address_key, cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]))
    for scope, key, limit in checks:
        attempts, locked_until = _count_attempt(scope, key, limit, now)
        if locked_until is not None:
            minutes = _minutes_until(locked_until, now)
            raise AccountLocked(_lock_message(scope, minutes), minutes)
        if scope == "account":
            attempt.tries_left = limit - attempts
    return attempt


def failure_warning(attempt):
    """A warning for the last tries before the account name locks, or None."""
    if attempt.tries_left is None or attempt.tries_left > 2:
        return None
    minutes = current_app.config["LOGIN_LOCK_MINUTES"]
    if attempt.tries_left == 0:
        return ngettext("The account is now locked for %(num)d minute.",
                        "The account is now locked for %(num)d minutes.", minutes)
    return ngettext(
        "After %(num)d more wrong try the account locks for %(minutes)d minutes.",
        "After %(num)d more wrong tries the account locks for %(minutes)d minutes.",
        attempt.tries_left, minutes=minutes)


def attempt_succeeded(attempt):
    """A good password: forget the account's failures; this attempt was no failure."""
    db.session.execute(sa.delete(LoginThrottle).where(_where("account", attempt.account_key)))
    if attempt.address_key is not None:
        db.session.execute(
            sa.update(LoginThrottle)
            .where(_where("address", attempt.address_key), LoginThrottle.failures > 0)
            .values(failures=LoginThrottle.failures - 1)
            .execution_options(synchronize_session=False)
        )


def clear_account_lock(username):
    """Forget failed sign-ins of this account name (staff unlocking a user)."""
    db.session.execute(sa.delete(LoginThrottle).where(_where("account", normalise_username(username))))


def locked_account_names(usernames=None):
    """The account names locked now (of ``usernames``, when given) — a select to use in
    a query, or a set when names are given."""
    stmt = sa.select(LoginThrottle.key).where(
        LoginThrottle.scope == "account", LoginThrottle.locked_until > utcnow())
    if usernames is None:
        return stmt
    return set(db.session.scalars(stmt.where(LoginThrottle.key.in_(list(usernames)))))


def is_account_locked(username):
    locked_until = db.session.scalar(
        sa.select(LoginThrottle.locked_until).where(_where("account", normalise_username(username))))
    return locked_until is not None and locked_until > utcnow()


def authenticate(attempt, password):
    """Return the active user for a counted attempt with this password.

    :raises InvalidCredentials: wrong name or password (one message for both).
    :raises AccountInactive: right password, but the account is deactivated.
    """
    user = db.session.scalar(sa.select(User).where(User.username == attempt.account_key))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is None or not ok:
        raise InvalidCredentials(_l("Wrong username or password."))
    if not user.active:
        raise AccountInactive(_l(
            "This account has been deactivated. Please contact the community service centre."))
    attempt_succeeded(attempt)
    return user


def end_all_sessions(user):
    """Make every session cookie issued to ``user`` so far useless."""
    user.session_version = User.session_version + 1
    db.session.flush()
    db.session.refresh(user, ["session_version"])
