"""Sign-in: password checks, throttling of failures, and session versions."""

import ipaddress
import re
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.security import check_password_hash, generate_password_hash

from charity.accounts.errors import AccountInactive, InvalidCredentials  # noqa: F401  (callers use the names here too)
from charity.accounts.models import LoginThrottle, User
from charity.audit.services import record_for_user
from charity.dbutil import dialect_insert
from charity.errors import AccountLocked
from charity.extensions import db
from charity.models_base import UTCDateTime, utcnow
from charity.security import to_sign_in

#: Checked when the name is unknown, so a wrong name takes as long as a wrong password
#: (one per hash method, made on first use).
_DUMMY_HASHES = {}


def _dummy_hash():
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not-a-real-password", method=method)
    return _DUMMY_HASHES[method]


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

    @manager.unauthorized_handler
    def unauthorized():


        # The home page needs no "please sign in" message: that is what people expect.
        return to_sign_in(None if request.path == "/" else manager.login_message)
    # Session versions do the protecting; "fresh" logins are not used.
    manager.session_protection = None

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


def _count_attempt(scope, key, now):
    """Count one attempt against ``key`` in a single upsert; return ``(attempts,
    locked_until)``. A window that is over, or a lock that has run out, starts afresh.

    One statement, so concurrent attempts each see their own count and none slips past
    the limit; and it works when the row was deleted a moment ago (a sign-in succeeded).
    """
    cfg = current_app.config
    table = LoginThrottle
    # A lock runs its full time, however old the window; without a lock the window rules.
    stale = sa.case(
        (table.locked_until.is_not(None), table.locked_until <= now),
        else_=table.window_started_at < now - timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"]),
    )
    stmt = dialect_insert(table).values(scope=scope, key=key, failures=1, window_started_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.scope, table.key],
        set_={
            "failures": sa.case((stale, 1), else_=table.failures + 1),
            "window_started_at": sa.case((stale, sa.literal(now, UTCDateTime())),
                                         else_=table.window_started_at),
            "locked_until": sa.case((stale, sa.null()), else_=table.locked_until),
        },
    ).returning(table.failures, table.locked_until)
    return db.session.execute(stmt).one()


def _forget_old_counts(now):
    """Counts of made-up names and passing addresses would pile up for ever: drop those
    whose window ended a day ago and that hold no running lock."""
    db.session.execute(
        sa.delete(LoginThrottle).where(
            LoginThrottle.window_started_at < now - timedelta(days=1),
            sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
        )
    )


def _lock(scope, key, until):
    db.session.execute(
        sa.update(LoginThrottle).where(_where(scope, key)).values(locked_until=until)
        .execution_options(synchronize_session=False)
    )


def address_key(address):
    """The key an address is counted under: IPv6 clients by their /64, which one client
    can roam across; anything unparseable as itself."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return (address or "unknown")[:255]
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def parse_networks(value):
    """``LOGIN_TRUSTED_NETWORKS`` as networks: a list, or a comma-separated string as an
    environment variable gives it. Raises ``ValueError`` naming a bad entry."""
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    networks = []
    for entry in value or []:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"LOGIN_TRUSTED_NETWORKS: {entry!r} is not a network") from exc
    return networks


def _address_is_trusted(address):
    networks = parse_networks(current_app.config["LOGIN_TRUSTED_NETWORKS"])
    if not networks or not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


class Attempt:
    """A counted sign-in attempt (see :func:`count_attempt`)."""

    def __init__(self, account_key, address_key):
        self.account_key = account_key
        self.address_key = address_key
        #: Wrong tries left on this account name before it locks, counting this one.
        self.tries_left = None


def count_attempt(username, address):
    """Count a sign-in attempt for this client address and account name.

    The address is counted first: an address that is locked out counts against no
    account, so it cannot lock out everyone's accounts. The try that reaches the account
    limit locks the account but its password is still checked (a right one lifts the
    lock); later tries are refused until the lock ends or staff lift it.

    The caller commits right after, before the (deliberately slow) password check, so
    the count holds whatever the check says, and no lock is held meanwhile.

    :raises AccountLocked: the address or the name failed too often recently.
    """
    cfg = current_app.config
    now = utcnow()
    lock_until = now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    attempt = Attempt(normalise_username(username)[:255], None)
    _forget_old_counts(now)

    if not _address_is_trusted(address):
        attempt.address_key = address_key(address)
        failures, locked_until = _count_attempt("address", attempt.address_key, now)
        if locked_until is None and failures > cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
            locked_until = lock_until
            _lock("address", attempt.address_key, locked_until)
        if locked_until is not None:
            minutes = _minutes_until(locked_until, now)
            raise AccountLocked(_lock_message("address", minutes), minutes)

    limit = cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    failures, locked_until = _count_attempt("account", attempt.account_key, now)
    if locked_until is not None or failures > limit:
        locked_until = locked_until or lock_until
        minutes = _minutes_until(locked_until, now)
        raise AccountLocked(_lock_message("account", minutes), minutes)
    if failures == limit:
        _lock("account", attempt.account_key, lock_until)
    attempt.tries_left = limit - failures
    return attempt


def audit_failure(attempt):
    """After a wrong password: if that try locked a real account, staff should see who
    got locked out and when, in every community the account belongs to."""
    if attempt.tries_left != 0:
        return

    user = db.session.scalar(sa.select(User).where(User.username == attempt.account_key))
    if user is not None:
        record_for_user("user.locked", user)


def failure_warning(attempt):
    """A warning for the last tries before the account name locks, or None."""
    if attempt.tries_left is None or attempt.tries_left > 2:
        return None
    minutes = current_app.config["LOGIN_LOCK_MINUTES"]
    if attempt.tries_left == 0:
        return ngettext(
            "The account is now locked for %(num)d minute. The community service centre can "
            "unlock it sooner.",
            "The account is now locked for %(num)d minutes. The community service centre can "
            "unlock it sooner.", minutes)
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


def locked_accounts_query():
    """A select of the account names locked now, to use inside another query."""
    return sa.select(LoginThrottle.key).where(
        LoginThrottle.scope == "account", LoginThrottle.locked_until > utcnow())


def locked_among(usernames):
    """Which of ``usernames`` are locked now."""
    return set(db.session.scalars(locked_accounts_query().where(LoginThrottle.key.in_(list(usernames)))))


def clear_address_lock(address):
    """Forget failed sign-ins from this address; returns how many rows went."""
    result = db.session.execute(sa.delete(LoginThrottle).where(_where("address", address_key(address))))
    return result.rowcount


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
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
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
