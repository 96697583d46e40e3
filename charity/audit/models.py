"""Audit events: who changed what, when, from where, before and after."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charity.errors import AuditImmutable
from charity.extensions import db
from charity.models_base import BigId, UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One change of state. Append-only: the ORM refuses updates and deletes, and the
    migration adds database triggers that refuse them too."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: None only for events outside any community (a new community being created).
    community_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("community.id", ondelete="RESTRICT")
    )
    #: None when done from the command line.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    #: The actor's username at the time, or "cli"; kept even if the user is renamed.
    actor_label: Mapped[str] = mapped_column(sa.String(80))
    #: Dotted verb, for example "user.create", "membership.roles".
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(40))
    #: What people call the object (a user's name, a partner's name) at the time.
    object_label: Mapped[str | None] = mapped_column(sa.String(200))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    #: Client address (after the configured proxy hops), None from the command line.
    address: Mapped[str | None] = mapped_column(sa.String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor = relationship("User", lazy="joined")

    __table_args__ = (
        sa.Index("ix_audit_event_community_created", "community_id", "created_at"),
        sa.Index("ix_audit_event_object", "object_type", "object_id"),
    )


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise AuditImmutable("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AuditImmutable("audit events are append-only")
