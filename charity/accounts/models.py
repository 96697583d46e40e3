"""Communities (the tenants), users and their roles in each community."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charity.extensions import db
from charity.models_base import UTCDateTime, enum_type, utcnow


class Role(enum.StrEnum):
    """What a member may do in one community (see DESIGN.md, "Users")."""

    admin = "admin"
    council = "council"
    #: External expert reviewer (评审专家): sees only the grant rounds on whose panel they sit.
    expert = "expert"
    leader = "leader"
    auditor = "auditor"
    merchant = "merchant"
    volunteer = "volunteer"


#: Display order of roles in forms and lists.
ROLE_ORDER = [Role.admin, Role.council, Role.expert, Role.leader, Role.auditor, Role.merchant,
              Role.volunteer]


class Community(db.Model):
    """A community (社区): the tenant every record belongs to."""

    __tablename__ = "community"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    #: Short, URL-safe name used on the command line (``--community dongyi``).
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    #: Sub-district (街道), the level above communities, for roll-up reports.
    street: Mapped[str] = mapped_column(sa.String(100), default="")
    #: District (区).
    district: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="community")

    def __repr__(self):
        return f"<Community {self.slug}>"


class User(UserMixin, db.Model):
    """A person who signs in. Never deleted once created: deactivate instead."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-case login name, unique across all communities.
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(80))
    #: Mainland mobile number, 11 digits; shown masked to roles that don't need it.
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: "zh", "en", or None to follow the browser.
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    active: Mapped[bool] = mapped_column(default=True)
    #: Raised by logout, a password change and deactivation. The session cookie carries
    #: the version it was issued under, so every older cookie stops working at once.
    session_version: Mapped[int] = mapped_column(default=1)
    #: Set when staff reset the password: the user must choose a new one after login.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", order_by="Membership.id"
    )

    __table_args__ = (sa.CheckConstraint("session_version >= 1", name="session_version_positive"),)

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        # Flask-Login keeps this in the session; the version makes old cookies useless.
        return f"{self.id}:{self.session_version}"

    def roles_in(self, community_id):
        return {m.role for m in self.memberships if m.community_id == community_id}

    def communities(self):
        seen = {}
        for m in self.memberships:
            seen.setdefault(m.community_id, m.community)
        return sorted(seen.values(), key=lambda c: c.id)

    def __repr__(self):
        return f"<User {self.username}>"


class Membership(db.Model):
    """One role of one user in one community. A user may hold several."""

    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("community.id", ondelete="RESTRICT"), index=True
    )
    role: Mapped[Role] = mapped_column(
        enum_type(Role, "role")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    community: Mapped[Community] = relationship(back_populates="memberships")

    __table_args__ = (sa.UniqueConstraint("user_id", "community_id", "role"),)


class LoginThrottle(db.Model):
    """Failed sign-ins counted per account name and per client address.

    Kept in the database, not in process memory, so several app processes share it.
    The account key is the name typed, whether or not such a user exists, so a lock
    message never tells an attacker which names are real.
    """

    __tablename__ = "login_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "account" or "address".
    scope: Mapped[str] = mapped_column(sa.String(10))
    key: Mapped[str] = mapped_column(sa.String(255))
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.UniqueConstraint("scope", "key"),
        sa.CheckConstraint("scope IN ('account', 'address')", name="scope"),
        sa.CheckConstraint("failures >= 0", name="failures_non_negative"),
    )
