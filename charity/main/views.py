from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, g, jsonify, render_template, session
from flask_login import current_user, login_required

from charity import __version__, transaction
from charity.accounts.access import has_role
from charity.accounts.models import ROLE_ORDER, Membership, User
from charity.audit.models import AuditEvent
from charity.extensions import csrf, db

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    """The signed-in home: the current community, one's roles, and what needs a look."""
    if g.community is None:
        return render_template("main/no_community.html"), 403
    role_counts = {}
    recent = []
    if has_role("admin"):
        rows = db.session.execute(
            sa.select(Membership.role, sa.func.count())
            .join(User, User.id == Membership.user_id)
            .where(Membership.community_id == g.community.id, User.active.is_(True))
            .group_by(Membership.role)
        )
        counts = dict(rows.all())
        role_counts = {r: counts.get(r, 0) for r in ROLE_ORDER}
    if has_role("admin", "council", "auditor"):
        recent = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.community_id == g.community.id,
                                        ~AuditEvent.action.startswith("session."))
            .order_by(AuditEvent.id.desc()).limit(8)
        ).all()
    my_roles = [r for r in ROLE_ORDER if r in g.roles]
    previous = session.get("previous_login_at")
    return render_template("main/index.html", role_counts=role_counts, recent=recent,
                           my_roles=my_roles, user=current_user,
                           previous_login=datetime.fromisoformat(previous) if previous else None)


@bp.route("/healthz")
@csrf.exempt
def healthz():
    """For load balancers and monitoring: no login, no personal data."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except sa.exc.SQLAlchemyError:
        transaction.rollback()
        database = "unavailable"
    body = {"status": "ok" if database == "ok" else "error", "version": __version__,
            "database": database}
    return jsonify(body), 200 if database == "ok" else 503
