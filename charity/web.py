"""The shapes every view shares: a form that calls a service, and a button that does.

Views hold no commit or rollback (:mod:`charity.transaction` ends the request) and no
``except CharityError`` of their own: :func:`submit` shows a refused form again with 422,
and the one error handler (:mod:`charity.errorpages`) answers a refused button.
"""

from flask import flash, g, redirect, request
from flask_login import current_user

from charity import transaction
from charity.errors import CharityError

INVALID = object()


def submit(form, action, *, render, success=None, fields=None, invalid_status=422):
    """Validate ``form``; if it is valid call ``action(form)`` and go on, else show it again.

    - ``action(form)`` calls the service and returns the flash message, or
      ``(message, url)`` to choose the next page (a message of None flashes nothing), or
      :data:`INVALID` when it found the input wrong itself (it has put the errors on the
      form) and the form is to be shown again.
    - ``success``: where to go after it (a URL, or a function returning one) unless the
      action chose.
    - ``render(status)``: the page with the form, answered with that status: 200 on a
      GET, ``invalid_status`` (422 unless said) when the form is not valid, 422 when the
      service refused it.
    - ``fields``: ``{ErrorClass: "field_name"}``; a refusal of that class (or a subclass)
      is shown under the field instead of as a flash message (the first class that
      matches wins; ``None`` for a field keeps that class a flash message).

    A refusal (:class:`~charity.errors.CharityError`) undoes what the action wrote before
    the page is drawn again; success redirects (302) and the request commits.
    """
    if form.validate_on_submit():
        try:
            result = action(form)
        except CharityError as exc:
            transaction.rollback()
            _show_refusal(form, exc, fields)
            return render(422)
        else:
            if result is INVALID:
                transaction.rollback()
                return render(invalid_status)
            message, url = result if isinstance(result, tuple) else (result, None)
            if message:
                flash(message, "success")
            if url is None:
                url = success() if callable(success) else success
            return redirect(url)
    return render(invalid_status if request.method == "POST" else 200)


def _show_refusal(form, exc, fields):
    for error_class, name in (fields or {}).items():
        if isinstance(exc, error_class):
            if name is None:
                break
            field = getattr(form, name)
            field.errors = [*field.errors, exc.message]
            return
    flash(str(exc.message), "error")


def back_on_error(url):
    """Where a refused POST of this request goes back to (the error handler redirects
    there with the message flashed). Without it the handler uses the page the request
    came from, or shows an error page."""
    g.charity_back_on_error = url
    return url


def actor():
    """The signed-in user, as services take it (``actor=``); None when nobody is."""
    return current_user._get_current_object() if current_user.is_authenticated else None
