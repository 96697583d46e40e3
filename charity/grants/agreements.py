"""Step 5: the award and the funding agreement.

``award(application, *, tranche_percents=(50, 30, 20), expected_activities=0, actor)``
    public_notice → awarded (through :func:`workflow.transition`, which refuses while the
    notice runs or an objection is pending). Creates the :class:`Grant` (agreement number,
    awarded = approved amount), the tranche plan (the percentages, whole and summing to
    100; amounts in fen, the remainder on the last tranche; every tranche after the first
    waits for a passed mid-term evaluation) and the team's project (claimed by the team).
``record_agreement_signed(grant, *, signed_on, team_signatory, centre_signatory, actor)``
    Records the agreement signed by both sides; no money moves before.

Services flush, never commit (see :mod:`charity.grants.common`).
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.accounts.models import Community
from charity.audit.services import record
from charity.dbutil import lock_row
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.grants import workflow
from charity.grants.common import _check_day, _community, _local_day, _text
from charity.grants.errors import (
    AlreadySigned,
    IllegalTransition,
    PlanInvalid,
)
from charity.grants.models_award import Grant, Tranche
from charity.grants.tranches import PAYABLE
from charity.models_base import local_today
from charity.projects import services as projects
from charity.projects.models import Project, ProjectState
from charity.teams.services import actor_id

#: The usual plan: half at the start, 30 % after the mid-term evaluation, 20 % after the second.
DEFAULT_PLAN = (50, 30, 20)

MAX_TRANCHES = 6


def plan_amounts(awarded_fen, percents):
    """Tranche amounts in fen: ``awarded × p / 100`` rounded down, the remainder on the
    last, so they sum to ``awarded_fen`` exactly.

    :raises PlanInvalid: not 1–6 whole positive percentages summing to 100, or a tranche
        that would be zero.
    """
    percents = list(percents or ())
    whole = all(isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in percents)
    if not 1 <= len(percents) <= MAX_TRANCHES or not whole or sum(percents) != 100:
        raise PlanInvalid(_l("The tranche plan takes 1 to 6 whole percentages that sum to 100."))
    amounts = [awarded_fen * p // 100 for p in percents[:-1]]
    amounts.append(awarded_fen - sum(amounts))
    if any(a <= 0 for a in amounts):
        raise PlanInvalid(_l("The amount awarded is too small for this many tranches."))
    return amounts


def agreement_number(community, year):
    """``DONGYI-2026-WCT-03``: the community's grants of the year, in order."""
    prefix = f"{community.slug.upper()}-{year}-WCT-"
    taken = db.session.scalar(sa.select(sa.func.count(Grant.id)).where(
        Grant.community_id == community.id, Grant.agreement_no.like(prefix + "%"))) or 0
    return f"{prefix}{taken + 1:02d}"


def fundable_projects(application):
    """Projects the applying team has claimed or runs that no grant funds yet: an award
    may fund one of them instead of opening a new project."""
    funded = sa.select(Grant.project_id).where(Grant.project_id.is_not(None))
    return db.session.scalars(sa.select(Project).where(
        Project.community_id == application.community_id, Project.team_id == application.team_id,
        Project.state.in_((ProjectState.claimed, ProjectState.active)), Project.id.not_in(funded))
        .order_by(Project.id)).all()


def award(application, *, tranche_percents=DEFAULT_PLAN, expected_activities=0, project=None, actor):
    """Award an application in public notice: the grant, its tranche plan and the team's
    project. Returns the :class:`Grant`.

    The project is a new one under the application's title, claimed by the team, unless
    ``project`` names one of :func:`fundable_projects` (a project the team already runs,
    so its activities count for the grant).

    :raises NoticeNotOver: the public notice has not ended.
    :raises ObjectionPending: an objection is not resolved.
    :raises IllegalTransition: the application is not in public notice.
    :raises PlanInvalid: a bad tranche plan.
    :raises ValidationFailed: ``project`` is not one of the team's unfunded projects.
    """
    awarded = application.approved_fen or 0
    amounts = plan_amounts(awarded, tranche_percents)
    community = _community(application)
    # Serialises agreement numbers of the community (and with every other award).
    lock_row(Community, community.id)
    # After the lock: two awards cannot both take the same project.
    if project is not None and project not in fundable_projects(application):
        raise ValidationFailed(_l("Choose a project this team runs that no grant funds yet."))
    workflow.transition(application, "award", actor=actor)
    if project is None:
        project = projects.create_project(
            community, title=application.title, description=application.summary,
            target_groups=[g.value for g in application.group_list],
            expected_activities=max(0, int(expected_activities or 0)), actor=actor)
        projects.transition_project(project, "claim", team=application.team, actor=actor)
    grant = Grant(community_id=community.id, application_id=application.id, project_id=project.id,
                  agreement_no=agreement_number(community, local_today().year), awarded_fen=awarded,
                  awarded_by_id=actor_id(actor))
    db.session.add(grant)
    db.session.flush()
    for seq, (percent, amount) in enumerate(zip(tranche_percents, amounts, strict=True), start=1):
        db.session.add(Tranche(grant_id=grant.id, seq=seq, percent=percent, amount_fen=amount,
                               needs_evaluation=seq > 1))
    db.session.flush()
    record("grant.agreement.create", "grant", grant.id, community=community, actor=actor,
           label=grant.agreement_no,
           after={"awarded_fen": awarded, "plan": list(tranche_percents), "amounts": amounts,
                  "project": project.title})
    return grant


def record_agreement_signed(grant, *, signed_on, team_signatory, centre_signatory, actor):
    """Record the agreement as signed by the team and the service centre on ``signed_on``.

    :raises AlreadySigned: recorded before.
    :raises IllegalTransition: the grant is not awarded or active.
    :raises ValidationFailed: a missing signatory, a date in the future or before the award
        (the agreement is drawn up at the award).
    """
    lock_row(Grant, grant.id)
    db.session.refresh(grant)
    if grant.signed_on is not None:
        raise AlreadySigned()
    if grant.application.state not in PAYABLE:
        raise IllegalTransition(_l("Only an awarded grant's agreement is signed."))
    team_signatory = _text(team_signatory, 80, _l("Name who signed for the team."))
    centre_signatory = _text(centre_signatory, 80, _l("Name who signed for the service centre."))
    _check_day(signed_on, not_before=_local_day(grant.awarded_at))
    grant.signed_on = signed_on
    grant.team_signatory = team_signatory
    grant.community_signatory = centre_signatory
    grant.signed_recorded_by_id = actor_id(actor)
    db.session.flush()
    record("grant.agreement.signed", "grant", grant.id, community=_community(grant), actor=actor,
           label=grant.agreement_no,
           after={"signed_on": signed_on, "team_signatory": team_signatory,
                  "centre_signatory": centre_signatory})
    return grant
