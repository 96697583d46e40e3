"""Step 2: applications (budget lines, attachments) and the steps the team and the staff
take on them; the state changes go through :func:`charity.grants.workflow.transition`.
Services flush, never commit.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.audit.services import record
from charity.dbutil import lock_row
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.formatting import money
from charity.grants import workflow
from charity.grants.errors import (
    BudgetInvalid,
    IllegalTransition,
    NotTheLeader,
    RoundClosed,
)
from charity.grants.models import (
    Application,
    ApplicationAttachment,
    ApplicationState,
    BudgetLine,
)
from charity.grants.rounds import is_open
from charity.partners.models import Partner
from charity.projects import uploads
from charity.teams.models import Team
from charity.teams.services import actor_id, led_team_ids
from charity.teams.services import clean_groups as _clean_groups
from charity.teams.services import community_of as _community

S = ApplicationState


#: Most budget lines one application takes.
MAX_BUDGET_LINES = 30


@dataclass
class LineInput:
    item: str
    quantity: int
    unit_cost_fen: int
    partner_id: int | None = None


def _check_lines(rnd, lines):
    lines = [ln for ln in lines if (ln.item or "").strip()]
    if not lines:
        raise BudgetInvalid(_l("Give at least one budget line."))
    if len(lines) > MAX_BUDGET_LINES:
        raise BudgetInvalid(_l("At most %(n)d budget lines.", n=MAX_BUDGET_LINES))
    partners = set(db.session.scalars(sa.select(Partner.id).where(Partner.community_id == rnd.community_id)))
    for ln in lines:
        if len(ln.item.strip()) > 120:
            raise BudgetInvalid(_l("An item takes at most 120 characters."))
        for value in (ln.quantity, ln.unit_cost_fen):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise BudgetInvalid(_l("Each line needs a quantity and a unit cost above zero."))
        if ln.quantity > 100000:
            raise BudgetInvalid(_l("A quantity is at most 100000."))
        if ln.partner_id and ln.partner_id not in partners:
            raise BudgetInvalid(_l("Choose a partner of this community."))
    total = sum(ln.quantity * ln.unit_cost_fen for ln in lines)
    if total > rnd.max_per_application_fen:
        raise BudgetInvalid(_l("The budget totals %(total)s, above the round's maximum of %(max)s.",
                               total=_yuan(total), max=_yuan(rnd.max_per_application_fen)))
    return lines, total


def _yuan(fen):
    return money(fen)


def _app_snapshot(app):
    return {"title": app.title, "target_groups": app.target_groups, "requested_fen": app.requested_fen,
            "budget": [f"{ln.item} {ln.quantity}×{ln.unit_cost_fen}" for ln in app.budget_lines]}


def _fill(app, data, lines, total):
    title = (data.get("title") or "").strip()
    if not title or len(title) > 120:
        raise ValidationFailed(_l("Titles take 1 to 120 characters."))
    app.title = title
    app.summary = (data.get("summary") or "").strip()
    app.planned_activities = (data.get("planned_activities") or "").strip()
    app.target_groups = _clean_groups(data.get("target_groups") or ())
    app.budget_lines.clear()
    db.session.flush()
    app.budget_lines.extend(
        BudgetLine(position=i, item=ln.item.strip(), quantity=ln.quantity, unit_cost_fen=ln.unit_cost_fen,
                   line_total_fen=ln.quantity * ln.unit_cost_fen, partner_id=ln.partner_id or None)
        for i, ln in enumerate(lines, start=1))
    app.requested_fen = total


def create_application(rnd, team, data, lines, *, actor):
    """A draft application of ``team`` (led by ``actor``) to ``rnd``.

    :raises NotTheLeader: ``actor`` does not lead the team.
    :raises RoundClosed: the round is not open today.
    :raises BudgetInvalid: no lines, a bad line, or a total above the round's maximum.
    :raises ValidationFailed: the team has a live application in the round already.
    """
    community = _community(rnd)
    if team.community_id != rnd.community_id or team.id not in led_team_ids(actor, community):
        raise NotTheLeader()
    if not is_open(rnd):
        raise RoundClosed()
    live = db.session.scalar(sa.select(Application.id).where(
        Application.round_id == rnd.id, Application.team_id == team.id,
        Application.state.not_in([S.withdrawn, S.rejected, S.cancelled])))
    if live:
        raise ValidationFailed(_l("Your team has an application in this round already."))
    return new_application(rnd, team, data, lines, actor=actor)


def new_application(rnd, team, data, lines, *, actor=None):
    """The draft itself, checked for its budget only: :func:`create_application` checks
    who applies and when; the demo loader records past applications through this."""
    lines, total = _check_lines(rnd, lines)
    app = Application(community_id=rnd.community_id, round_id=rnd.id, team_id=team.id, state=S.draft,
                      created_by_id=actor_id(actor))
    app.round = rnd
    db.session.add(app)
    _fill(app, data, lines, total)
    db.session.flush()
    record("grant.application.create", "grant_application", app.id, community=_community(rnd), actor=actor,
           label=app.title, after=_app_snapshot(app))
    return app


EDITABLE = (S.draft, S.more_info)


def update_application(app, data, lines, *, actor):
    """Change a draft (or an application sent back for more information).

    :raises NotTheLeader: ``actor`` does not lead the team.
    :raises IllegalTransition: the application is no longer editable.
    :raises BudgetInvalid: see :func:`create_application`.
    """
    _check_leader(app, actor)
    lock_row(Application, app.id)
    db.session.refresh(app)
    if app.state not in EDITABLE:
        raise IllegalTransition(_l("Only a draft, or an application sent back for more information, "
                                   "can be changed."))
    lines, total = _check_lines(app.round, lines)
    before = _app_snapshot(app)
    _fill(app, data, lines, total)
    db.session.flush()
    record("grant.application.update", "grant_application", app.id, community=_community(app), actor=actor,
           label=app.title, before=before, after=_app_snapshot(app))
    return app


def _check_leader(app, actor):
    if app.team_id not in led_team_ids(actor, _community(app)):
        raise NotTheLeader()


def add_attachment(app, data, original_name, *, actor):
    """Attach a photo or PDF (checked like evidence files) while the application is
    editable.

    :raises InvalidUpload: empty, too large, not a JPEG, PNG or PDF by content.
    """
    _check_leader(app, actor)
    if app.state not in EDITABLE:
        raise IllegalTransition(_l("Only a draft, or an application sent back for more information, "
                                   "can be changed."))
    content_type, stored = uploads.check(data)
    name = uploads.store(stored, content_type)
    row = ApplicationAttachment(application_id=app.id, stored_name=name,
                                original_name=uploads.clean_name(original_name), content_type=content_type,
                                size=len(stored), uploaded_by_id=actor_id(actor))
    db.session.add(row)
    db.session.flush()
    record("grant.attachment.add", "grant_application", app.id, community=_community(app), actor=actor,
           label=app.title, after={"file": row.original_name})
    return row


#: Steps taken by the team's leader, and by staff.
LEADER_STEPS = ("submit", "resubmit", "withdraw")

STAFF_STEPS = ("start_review", "request_info", "publish")


def team_step(app, action, *, actor):
    """``submit``, ``resubmit`` or ``withdraw`` by the team's leader.

    :raises NotTheLeader: ``actor`` does not lead the team.
    :raises RoundClosed: a first submission after the round closed.
    """
    if action not in LEADER_STEPS:
        raise IllegalTransition()
    _check_leader(app, actor)
    if action == "submit" and not is_open(app.round):
        raise RoundClosed()
    if action in ("submit", "resubmit") and not app.budget_lines:
        raise BudgetInvalid(_l("Give at least one budget line."))
    return workflow.transition(app, action, actor=actor)


def staff_step(app, action, *, actor, info_request=None, notice_start=None):
    """``start_review``, ``request_info`` (with the request) or ``publish`` by staff."""
    if action not in STAFF_STEPS:
        raise IllegalTransition()
    return workflow.transition(app, action, actor=actor, info_request=info_request, notice_start=notice_start)


def allowed_steps(app):
    return set(workflow.FLOW.allowed(app))


def teams_led(user, community):
    ids = led_team_ids(user, community)
    if not ids:
        return []
    return db.session.scalars(sa.select(Team).where(Team.id.in_(ids)).order_by(Team.name)).all()
