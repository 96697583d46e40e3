"""Where a transaction ends: the one module that commits or rolls back the session.

**A request is one transaction.** Views and services write through ``db.session`` and
never commit. When the view has answered, :func:`_end_request` (an ``after_request``
hook wired by :func:`init_app`) commits once if the response says success (a status below
400: pages and redirects) and rolls back otherwise: a 4xx or 5xx answer, the form shown
again with 422, an error page. A request that wrote nothing (no flush, no UPDATE, DELETE
or INSERT statement) is left alone: its read-only transaction ends when the session is
closed at the end of the request, and its objects stay loaded (a streamed CSV still
reads them). An exception that escapes the view reaches the error
handlers, whose error response is rolled back the same way; the ``teardown_request``
hook rolls back once more in case no response was made at all.

Escape hatches, for the few writes that must stay although the request then fails:

- :func:`keep` commits what the request has written so far, now. Used where a count must
  hold whatever follows: a sign-in attempt is counted (and a lock-out recorded) before
  the slow password check, and stays when the answer is 401 or 429
  (``charity.accounts.views``). It also commits before a step that cannot be undone,
  such as changing the session cookie after a sign-in.
- :func:`rollback` undoes the request's writes now and makes the request end in a
  rollback whatever the status; the shared form helper and the error handler use it
  before showing the page again.

For commands and scripts (no request), :func:`atomic` is the boundary: it commits when
the block ends normally and rolls back when it raises.

:func:`on_commit` runs a function after the commit (and drops it on rollback);
:func:`on_rollback` runs one if the transaction is rolled back instead, for example to
remove a stored upload that no row will point to.
"""

from contextlib import contextmanager

import sqlalchemy as sa
from flask import g, has_request_context

from charity.extensions import db

_AFTER_COMMIT = "charity_on_commit"
_AFTER_ROLLBACK = "charity_on_rollback"
_WROTE = "charity_wrote"


def init_app(app):
    """Make every request of ``app`` end in one commit or one rollback."""
    if not sa.event.contains(sa.orm.Session, "after_flush", _flushed):
        sa.event.listen(sa.orm.Session, "after_flush", _flushed)
        sa.event.listen(sa.orm.Session, "do_orm_execute", _executed)
    app.after_request(_end_request)
    app.teardown_request(_teardown_request)


def _flushed(session, flush_context):
    session.info[_WROTE] = True


def _executed(state):
    if not state.is_select:
        state.session.info[_WROTE] = True


def _end_request(response):
    failed = g.pop("charity_tx_failed", False)
    if not (db.session.info.get(_WROTE) or db.session.new or db.session.dirty or db.session.deleted):
        return response  # nothing written: nothing to end
    if response.status_code < 400 and not failed:
        _commit()
    else:
        _rollback()
    return response


def _teardown_request(exc):
    if exc is not None:
        _rollback()


def _hooks(name):
    return db.session.info.setdefault(name, [])


def _forget_hooks():
    db.session.info.pop(_WROTE, None)
    db.session.info.pop(_AFTER_COMMIT, None)
    db.session.info.pop(_AFTER_ROLLBACK, None)


def _commit():
    try:
        db.session.commit()
    except BaseException:
        _rollback()
        raise
    hooks = list(_hooks(_AFTER_COMMIT))
    _forget_hooks()
    for fn in hooks:
        fn()


def _rollback():
    db.session.rollback()
    hooks = list(_hooks(_AFTER_ROLLBACK))
    _forget_hooks()
    for fn in hooks:
        fn()


def keep():
    """Commit what has been written so far, now, so that it stays even if the request
    ends in an error. The escape hatch: say in a comment why the write must stay."""
    _commit()


def rollback():
    """Undo the writes so far; the request then ends in a rollback whatever it answers."""
    _rollback()
    if has_request_context():
        g.charity_tx_failed = True


def on_commit(fn):
    """Call ``fn()`` once the current transaction has committed (never if it rolls back)."""
    _hooks(_AFTER_COMMIT).append(fn)


def on_rollback(fn):
    """Call ``fn()`` if the current transaction rolls back (never if it commits)."""
    _hooks(_AFTER_ROLLBACK).append(fn)


@contextmanager
def atomic():
    """A transaction for a command or script: commit at the end of the block, roll back
    if it raises (the exception goes on).

    ::

        with transaction.atomic():
            services.expire_points(community, actor=None)
    """
    try:
        yield db.session
    except BaseException:
        _rollback()
        raise
    _commit()
