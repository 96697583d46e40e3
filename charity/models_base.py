"""The declarative base every model shares, and column helpers.

The naming convention gives every constraint a stable name, so Alembic's batch mode can
alter tables on SQLite and migrations read the same on both databases.
"""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, as an aware UTC datetime. Use as ``default=utcnow`` (the callable)."""
    return datetime.now(timezone.utc)


def local_zone() -> ZoneInfo:
    """The community's time zone (``BABEL_DEFAULT_TIMEZONE``, Chengdu by default)."""

    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or "Asia/Shanghai")


def local_today() -> date:
    """Today in the community's time zone.

    Never ``date.today()``: the server runs on UTC, where from midnight to 08:00 in China
    it is still yesterday."""
    return datetime.now(local_zone()).date()


#: A big integer primary or foreign key for append-only tables (journals, ledgers, the audit
#: trail). SQLite only autoincrements an INTEGER primary key; PostgreSQL gets a BIGINT.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _enum_values(enum_cls):
    return [member.value for member in enum_cls]


def enum_type(enum_cls, name, *, length=20):
    """A portable enum column type: a VARCHAR(``length``) with a CHECK named ``name``,
    storing the members' values (not their names), the same on SQLite and PostgreSQL."""
    return sa.Enum(enum_cls, name=name, native_enum=False, length=length, create_constraint=True,
                   values_callable=_enum_values, validate_strings=True)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored as naive UTC and read back as aware UTC, on every database.

    SQLite keeps no time zone, so storing naive UTC everywhere keeps both databases and
    the migrations identical; conversion to Asia/Shanghai happens only on screen.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
