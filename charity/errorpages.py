"""Friendly error pages, a missing CSRF token explained in words a person understands, and
the one handler that turns a broken business rule (:class:`charity.errors.CharityError`)
into an answer.

A request commits once when it succeeds (:mod:`charity.transaction`); every error here
rolls the session back first, so an error never leaves a partial write behind.
"""

from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from charity import transaction
from charity.errors import CharityError
from charity.security import is_safe_next, safe_next, to_sign_in

PAGES = {
    400: (_l("The request could not be understood"),
          _l("Something in the request was not valid. Please go back and try again.")),
    403: (_l("Not allowed"),
          _l("Your roles in this community do not allow this page. If you think they should, "
             "ask the community service centre.")),
    404: (_l("Page not found"),
          _l("There is no such page here, or it belongs to another community.")),
    405: (_l("Not allowed this way"),
          _l("This page cannot be used like that. Please use the buttons on the page.")),
    413: (_l("Too large"),
          _l("What you sent is larger than allowed. Please send a smaller file.")),
    422: (_l("Not possible"),
          _l("The request could not be completed.")),
    429: (_l("Too many attempts"),
          _l("Please wait a moment before trying again.")),
    500: (_l("Something went wrong"),
          _l("The server met an error and nothing was saved. Please try again; if it happens "
             "again, tell the community service centre what you were doing.")),
}


def _render(code, title=None, message=None):
    transaction.rollback()
    default_title, default_message = PAGES.get(code, PAGES[400 if code < 500 else 500])
    body = render_template("errors/error.html", code=code, title=title or default_title,
                           message=message or default_message)
    return body, code


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        transaction.rollback()
        if request.content_length and not request.form and not request.files:
            # The body arrived but could not be decoded (not UTF-8, say): not an expiry.
            return _render(400)
        if request.endpoint == "accounts.language":
            # Nothing to lose: go back; the next click carries a fresh token.
            return redirect(safe_next(request.form.get("next")))
        if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
            return _render(400, _l("This form has expired"), _l(
                "The browser sent no cookie with this form, so it could not be checked and "
                "nothing was saved. Please allow cookies for this site, reload the page and "
                "send it again."))
        if request.endpoint == "accounts.login":
            if current_user.is_authenticated:  # an old sign-in tab: already signed in
                return redirect(url_for("main.index"))
            flash(_l("The sign-in page had expired. Please sign in again."), "warning")
            return redirect(url_for("accounts.login", next=request.form.get("next") or None))
        if not current_user.is_authenticated:
            # The session (and its token) is gone: sign in again, then back to the form.
            return to_sign_in()
        return _render(
            400, _l("This form has expired"),
            _l("The page was open for a long time, or you signed out on another device, so "
               "this form was not saved. Please go back, reload the page and send it again."),
        )

    @app.errorhandler(CharityError)
    def business_rule(exc):
        """A broken rule that the view let through: nothing is saved, and the person is
        told why. A button on a page (a POST) goes back to where the view said
        (:func:`charity.web.back_on_error`) or to the page it came from, with the message
        flashed; anything else is an error page with the error's status."""
        transaction.rollback()
        back = _back_after_error() if request.method == "POST" else None
        if back:
            flash(str(exc.message), "danger")
            return redirect(back)
        return _render(exc.status, PAGES[422][0] if exc.status == 422 else None, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code is None or exc.code < 400:
            return exc
        if request.path.startswith("/healthz"):
            return exc
        return _render(exc.code)

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)


def _back_after_error():
    """Where a refused POST goes back to: the view's choice, else the page it was sent
    from when that is on this site (the Referer header, reduced to its path)."""
    back = g.get("charity_back_on_error")
    if back:
        return back
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return target if is_safe_next(target) else None
