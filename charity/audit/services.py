"""The one way to write an audit event. Every service that changes state calls
:func:`record` in the same transaction as the change, so both land or neither does."""

import enum
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import has_request_context, request

from charity.accounts.models import User
from charity.audit.models import AuditEvent
from charity.extensions import db


def _jsonable(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    return value


def snapshot(obj, *fields):
    """A dict of the named attributes of ``obj``, ready to store as JSON."""
    return {f: _jsonable(getattr(obj, f)) for f in fields}


def _client_address():
    if not has_request_context() or not request.remote_addr:
        return None
    return request.remote_addr[:45]


def record(action, object_type, object_id=None, *, before=None, after=None,
           community=None, actor=None, label=None):
    """Add an audit event to the current transaction (flushes, never commits).

    The caller names the ``community`` and the ``actor`` (None: the command line,
    recorded as "cli", or a request by nobody signed in, such as a failed sign-in).
    ``label`` is what people call the object (a user's name), kept as it was at the time.
    """
    if actor is not None:
        actor_label = actor.username
    else:  # the command line, or a request by someone not signed in (a failed sign-in)
        actor_label = "anonymous" if has_request_context() else "cli"
    event = AuditEvent(
        community_id=community.id if community is not None else None,
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        object_label=None if label is None else str(label)[:200],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        address=_client_address(),
    )
    db.session.add(event)
    db.session.flush()
    return event


def record_for_user(action, user, *, actor=None):
    """Record an event about ``user``'s account (a sign-in, a lock) in every community
    the account belongs to, so each community's staff and auditors see it."""
    communities = user.communities() or [None]
    for community in communities:
        record(action, "user", user.id, community=community, actor=actor, label=user.display_name)


def filtered_events(community, *, actor=None, action=None, object_type=None, object_id=None,
                    date_from=None, date_to=None, tz=None):
    """A query for the community's audit events, newest first, by the given filters.

    Dates are whole local days in ``tz`` (a ``zoneinfo`` zone; pytz zones give wrong
    offsets with ``datetime.combine``): ``date_to`` includes the whole day.
    """
    stmt = sa.select(AuditEvent).where(AuditEvent.community_id == community.id)
    if actor:
        stmt = stmt.where(sa.or_(
            AuditEvent.actor_label == actor.lower(),
            AuditEvent.actor_id.in_(sa.select(User.id).where(User.display_name == actor)),
        ))
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if date_from:
        start = datetime.combine(date_from, time.min, tzinfo=tz)
        stmt = stmt.where(AuditEvent.created_at >= start)
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
        stmt = stmt.where(AuditEvent.created_at < end)
    return stmt.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
