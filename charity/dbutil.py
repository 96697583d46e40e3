"""Small database helpers that behave the same on SQLite and PostgreSQL.

SQLite note: the pysqlite driver opens a transaction only at the first INSERT, UPDATE or
DELETE, and that statement takes the database's write lock. So a service that must read
and then write without a concurrent request changing the rows in between first calls
:func:`lock_row` on a row that every such request locks (a community, an account): on
PostgreSQL that is a row lock, on SQLite the write lock, and every read after it in the
same transaction sees the latest committed data.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from charity.extensions import db


def lock_row(model, ident):
    """Serialise with every other transaction that locks the same row (until commit).

    A no-op UPDATE rather than SELECT ... FOR UPDATE, which SQLite renders as nothing.
    """
    db.session.execute(
        sa.update(model).where(model.id == ident).values(id=model.id)
        .execution_options(synchronize_session=False)
    )


def dialect_insert(model):
    """An INSERT with ``on_conflict_do_nothing`` / ``on_conflict_do_update`` (an upsert),
    which both databases support with the same syntax."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model)
