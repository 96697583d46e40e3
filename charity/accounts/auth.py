"""Sign-in: password checks, throttling of failures, and session versions."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.security import check_password_hash, generate_password_hash

from charity.accounts.models import LoginThrottle, User
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


def _lock_message(minutes):
    return ngettext(
        "Too many failed sign-ins. Try again in %(num)d minute, "
        "or ask the service centre to unlock the account.",
        "Too many failed sign-ins. Try again in %(num)d minutes, "
        "or ask the service centre to unlock the account.",
        minutes,
    )


def _throttle_row(scope, key):
    return db.session.scalar(
        sa.select(LoginThrottle).where(LoginThrottle.scope == scope, LoginThrottle.key == key)
    )


def _minutes_locked(scope, key, now):
    row = _throttle_row(scope, key)
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 0
    return max(1, int((row.locked_until - now).total_seconds() + 59) // 60)


def _register_failure(scope, key, limit, now):
    cfg = current_app.config
    window = timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"])
    row = _throttle_row(scope, key)
    if row is None:
        try:
            with db.session.begin_nested():
                row = LoginThrottle(scope=scope, key=key, failures=0, window_started_at=now)
                db.session.add(row)
        except sa.exc.IntegrityError:  # another process inserted it first
            row = _throttle_row(scope, key)
    if now - row.window_started_at > window:
        row.failures = 0
        row.window_started_at = now
        row.locked_until = None
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    db.session.flush()


def clear_account_lock(username):
    """Forget failed sign-ins of this account name (staff unlocking a user)."""
    db.session.execute(
        sa.delete(LoginThrottle).where(
            LoginThrottle.scope == "account", LoginThrottle.key == normalise_username(username)
        )
    )


def is_account_locked(username):
    return _minutes_locked("account", normalise_username(username), utcnow()) > 0


def authenticate(username, password, address):
    """Return the active user with these credentials.

    :raises AccountLocked: the account name or the address failed too often recently.
    :raises InvalidCredentials: wrong name or password (one message for both).
    :raises AccountInactive: right password, but the account is deactivated.
    Failures are counted (flushed); the caller commits them.
    """
    cfg = current_app.config
    now = utcnow()
    account_key = normalise_username(username)[:255]
    address_key = (address or "unknown")[:255]
    minutes = max(_minutes_locked("account", account_key, now),
                  _minutes_locked("address", address_key, now))
    if minutes:
        raise AccountLocked(_lock_message(minutes), minutes)

    user = db.session.scalar(sa.select(User).where(User.username == account_key))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is not None and ok:
        if not user.active:
            raise AccountInactive(_l("This account has been deactivated. Please contact the service centre."))
        clear_account_lock(account_key)
        return user

    _register_failure("account", account_key, cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"], now)
    _register_failure("address", address_key, cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"], now)
    raise InvalidCredentials(_l("Wrong username or password."))


def end_all_sessions(user):
    """Make every session cookie issued to ``user`` so far useless."""
    user.session_version = User.session_version + 1
    db.session.flush()
    db.session.refresh(user, ["session_version"])
