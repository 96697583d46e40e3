"""Logging with the standard library, set up once by :func:`init_app`.

Three kinds of line, all on standard error (where gunicorn, systemd or a container
runtime collects them):

- ``charity.request``: one line per request: method, route (the URL rule, never the query
  string), status, duration in milliseconds, and the signed-in user's id;
- ``charity.event``: each audit event at INFO, written after its transaction commits (an
  event that was rolled back never happened, so it is not logged);
- ``charity``: errors with their traceback (the 500 page logs them).

``LOG_LEVEL`` (default INFO) sets the level, ``LOG_JSON`` (``CHARITY_LOG_JSON=true``)
writes one JSON object per line for a log collector. No line carries a password, token
or cookie (none is ever logged), and a mobile number or an ID number that slips into a
message or a traceback is masked on the way out.
"""

import json
import logging
import re
import sys
import time
from datetime import datetime, timezone

from flask import g, request
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from charity.audit.models import AuditEvent

#: Mainland mobile numbers and 18-character resident ID numbers.
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")

LOGGERS = ("charity", "charity.request", "charity.event")
_PENDING = "charity.logs.pending_events"


def redact(text):
    """Mask mobile numbers and ID numbers in ``text``."""
    text = _ID_NUMBER.sub(r"\1********\2", text)
    return _MOBILE.sub(r"\1****\2", text)


class _Redacting(logging.Formatter):
    def format(self, record):
        return redact(super().format(record))


class _JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the record's fields."""

    FIELDS = ("method", "route", "status", "duration_ms", "user_id", "community_id",
              "action", "object_type", "object_id", "actor")

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in self.FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (a test's capture, say)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):  # StreamHandler.__init__ assigns one; ours is always stderr
        pass


def configure(config):
    """(Re)configure the app's loggers from ``config`` (a mapping with LOG_LEVEL, LOG_JSON)."""
    level = str(config.get("LOG_LEVEL") or "INFO").upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError(f"LOG_LEVEL={level!r} is not a logging level")
    handler = _StderrHandler()
    if config.get("LOG_JSON"):
        handler.setFormatter(_JsonLines())
    else:
        handler.setFormatter(_Redacting("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("charity")
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
    for name in LOGGERS[1:]:  # children inherit the handler and level
        child = logging.getLogger(name)
        child.handlers.clear()
        child.setLevel(logging.NOTSET)
        child.propagate = True


def init_app(app):
    configure(app.config)
    request_log = logging.getLogger("charity.request")

    @app.before_request
    def _start_clock():
        g.log_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.pop("log_started", None)
        duration = round((time.perf_counter() - started) * 1000, 1) if started else None
        user = getattr(g, "_login_user", None)
        user_id = getattr(user, "id", None)
        rule = request.url_rule.rule if request.url_rule is not None else "-"
        request_log.info(
            "%s %s %s %sms user=%s", request.method, rule, response.status_code, duration,
            user_id if user_id is not None else "-",
            extra={"method": request.method, "route": rule, "status": response.status_code,
                   "duration_ms": duration, "user_id": user_id},
        )
        return response


def _collect_events(session, flush_context):

    events = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if events:
        session.info.setdefault(_PENDING, []).extend(events)


def _log_events(session):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    log = logging.getLogger("charity.event")
    if not log.isEnabledFor(logging.INFO):
        return
    for ev in pending:
        # Read what was set before the commit; never reload (no SQL after commit).
        state = ev.__dict__
        log.info(
            "%s %s %s by %s", state.get("action"), state.get("object_type"),
            state.get("object_id") or "-", state.get("actor_label") or "-",
            extra={"action": state.get("action"), "object_type": state.get("object_type"),
                   "object_id": state.get("object_id"), "actor": state.get("actor_label"),
                   "community_id": state.get("community_id")},
        )


def _forget_events(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)


# Listen on every Session: Flask-SQLAlchemy's sessions are subclasses of it.
sa_event.listen(Session, "after_flush", _collect_events)
sa_event.listen(Session, "after_commit", _log_events)
sa_event.listen(Session, "after_soft_rollback", _forget_events)
