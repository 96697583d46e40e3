"""The one way a workflow moves a record from one state to the next.

Each workflow declares a :class:`Workflow`: its model, a table ``action -> (sources,
target)``, the audit prefix and the object type its events carry. A step is one
conditional UPDATE::

    UPDATE <table> SET state = :target [, other columns] WHERE id = :id AND state IN (:sources)

so of two simultaneous steps on the same record exactly one wins: the other updates no
row and raises :class:`charity.errors.IllegalTransition` (HTTP 409). The step then
refreshes the object and writes the audit event (``<prefix>.<action>``) in the same
transaction. Nothing here commits.

A workflow whose step has rules beyond the state (an amount, a reason, a date) calls
:meth:`Workflow.check` first (it locks the row, reads the current state and refuses an
illegal step with the workflow's own message), applies its rules, then calls
:meth:`Workflow.step`. Adding a workflow::

    TRANSITIONS = {"submit": ({S.draft}, S.submitted), "approve": ({S.submitted}, S.approved)}
    FLOW = Workflow(Claim, TRANSITIONS, audit_prefix="claim", object_type="claim")

    def approve(claim, *, actor=None):
        before = snapshot(claim)
        return FLOW.step(claim, "approve", values={"decided_at": utcnow()}, actor=actor,
                         community=claim.community, before=before, after=snapshot)
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from charity.audit.services import record
from charity.dbutil import lock_row
from charity.errors import IllegalTransition
from charity.extensions import db

__all__ = ["IllegalTransition", "Workflow"]


@dataclass(frozen=True)
class Workflow:
    """A declared state machine over ``model.<column>``.

    ``transitions``: ``{action: (sources, target)}``. ``refused(obj, action)`` gives the
    message of the :class:`IllegalTransition` raised for a step that the object's current
    state does not allow, or for an unknown action (``None``, or no ``refused``: the
    generic message). ``audit_prefix`` and
    ``object_type`` name the audit event (``None`` prefix: the caller audits).
    """

    model: type
    transitions: Mapping[str, tuple]
    audit_prefix: str | None = None
    object_type: str | None = None
    column: str = "state"
    refused: Callable[[Any, str], Any] | None = None
    label: Callable[[Any], Any] | None = field(default=None)

    # -- reading the table -----------------------------------------------------------------

    def sources(self, action):
        return frozenset(self.transitions[action][0])

    def target(self, action):
        return self.transitions[action][1]

    def can(self, obj, action):
        """Whether ``action`` is legal from ``obj``'s state (as loaded; no query)."""
        return action in self.transitions and getattr(obj, self.column) in self.transitions[action][0]

    def allowed(self, obj):
        """The actions legal from ``obj``'s state, in the table's order."""
        return [a for a in self.transitions if self.can(obj, a)]

    # -- moving ----------------------------------------------------------------------------

    def illegal(self, obj, action):
        """The error for ``action`` refused from ``obj``'s current state."""
        if self.refused is None:
            return IllegalTransition()
        return IllegalTransition(self.refused(obj, action))  # None: the generic message

    def check(self, obj, action, *, lock=True):
        """Lock ``obj``'s row (unless ``lock`` is false), read its current state and raise
        :class:`IllegalTransition` if ``action`` is not allowed from it; changes nothing.
        Returns the step's target state."""
        if action not in self.transitions:
            raise self.illegal(obj, action)
        if lock:
            lock_row(self.model, obj.id)
            db.session.refresh(obj)  # the state as it is now, not as the request first read it
        if not self.can(obj, action):
            raise self.illegal(obj, action)
        return self.target(action)

    def step(self, obj, action, *, values=None, where=(), actor=None, community=None, label=None,
             before=None, after=None, extra=None, audit=True, object_id=None):
        """Perform ``action`` on ``obj`` with one conditional UPDATE and audit it.

        ``values``: other columns set in the same UPDATE; ``where``: further conditions
        of the step (a deadline passed, say), in the same WHERE. Pending changes to ``obj`` made
        through the ORM are flushed first (they land in the same transaction). ``before``
        and ``after`` are the audit snapshots: a dict, or a callable of the object
        (``after`` is called after the refresh; it defaults to ``before``'s callable);
        ``extra`` (a dict) is merged into ``after``. ``audit=False`` skips the event (the
        caller writes its own). ``object_id``: the id the event names, when it is not
        ``obj``'s own (a claim's event names its grant).

        :raises IllegalTransition: the state does not allow ``action`` (or a simultaneous
            request moved the record first); nothing changes.
        """
        if action not in self.transitions:
            raise self.illegal(obj, action)
        sources, target = self.transitions[action]
        if callable(before):
            snap, before = before, before(obj)
            if after is None:
                after = snap
        state = getattr(self.model, self.column)
        result = db.session.execute(
            sa.update(self.model)
            .where(self.model.id == obj.id, state.in_(list(sources)), *where)
            .values({self.column: target, **(values or {})})
            .execution_options(synchronize_session=False))
        db.session.refresh(obj)
        if result.rowcount != 1:
            raise self.illegal(obj, action)
        if audit and self.audit_prefix:
            after = after(obj) if callable(after) else after
            if extra:
                after = {**(after or {}), **extra}
            if label is None and self.label is not None:
                label = self.label(obj)
            record(f"{self.audit_prefix}.{action}", self.object_type,
                   obj.id if object_id is None else object_id, community=community,
                   actor=actor, label=label, before=before, after=after)
        return obj
