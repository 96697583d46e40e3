"""Session lifetime, safe redirects and the security headers of every response."""

import time
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def is_safe_next(target):
    """True when ``target`` is a path on this site.

    Browsers treat ``\\`` as ``/`` and ignore tabs and newlines inside URLs, so
    ``/\\evil`` and ``/\\t/evil`` lead off-site just like ``//evil``; all are refused.
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return False
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target) or "\\" in target:
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target, default_endpoint="main.index"):
    return target if is_safe_next(target) else url_for(default_endpoint)


def reset_session():
    """Empty the session (a new identity, or none), keeping only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def start_session():
    """Stamp a freshly signed-in session with its start and last-seen times."""
    now = int(time.time())
    session.permanent = True
    session["login_at"] = now
    session["last_seen"] = now


def enforce_session_limits():
    """End a session that was idle too long or is older than the absolute limit."""
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    login_at = session.get("login_at")
    last_seen = session.get("last_seen", login_at)
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    absolute = current_app.permanent_session_lifetime.total_seconds()
    if login_at is None or now - login_at > absolute or now - last_seen > idle:
        logout_user()
        reset_session()
        g.pop("_login_user", None)
        return to_sign_in(_("Your session has ended. Please sign in again."))
    if now - last_seen >= 30:
        session["last_seen"] = now
    return None


#: What a user with a temporary password may still reach.
_ALLOWED_BEFORE_PASSWORD_CHANGE = frozenset({
    "accounts.password", "accounts.logout", "accounts.language", "static", "main.healthz",
})


def enforce_password_change():
    """A temporary password set by staff must be replaced before anything else is used:
    otherwise the staff member who set it could keep using the account."""
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if request.endpoint in _ALLOWED_BEFORE_PASSWORD_CHANGE:
        return None
    flash(_("Please choose a new password before you continue."), "warning")
    if request.method == "GET":
        return redirect(url_for("accounts.password", next=request.full_path.rstrip("?")))
    return redirect(url_for("accounts.password"))


def to_sign_in(get_message=None):
    """Send a visitor who is not (or no longer) signed in to the sign-in page, and back
    afterwards.

    A GET comes back to the same address. A form sent without a session was not saved:
    say so, and come back to the page the form was on (the form's own address may take
    POST only).
    """
    if request.method == "GET":
        if get_message:
            flash(get_message, "warning")
        target = request.full_path.rstrip("?")
    else:
        flash(_("Your session had ended, so what you sent was not saved. Please sign in "
                "and fill in the form again."), "warning")
        rule = request.url_rule
        target = request.path if rule is not None and "GET" in rule.methods else _referring_path()
    if request.endpoint in ("accounts.login", "accounts.logout") or not is_safe_next(target):
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.login", next=target))


def _referring_path():
    """The path of the page a form was sent from, when that page is on this site."""
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def after_sign_in(target):
    """Where to go once signed in: ``target`` if it is a page of this site worth going
    back to (never the sign-in or sign-out page itself), else the home page."""
    if is_safe_next(target) and urlsplit(target).path not in ("/login", "/logout"):
        return target
    return url_for("main.index")


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint != "static" and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response
