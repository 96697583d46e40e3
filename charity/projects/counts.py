"""Counts of verified service for a period, per team and for the community, computed by
aggregate queries in the database (never by loading activities).

An activity counts once verified, by its start time; a superseded original does not
count, its verified amendment does.
"""

import sqlalchemy as sa

from charity.extensions import db
from charity.projects.models import Activity, ActivityBeneficiary, ActivityState, Attendance
from charity.teams.models import BeneficiaryGroup, Team


def _verified(community_id, lower, upper, team_id=None):
    conditions = [Activity.community_id == community_id, Activity.state == ActivityState.verified]
    if lower is not None:
        conditions.append(Activity.starts_at >= lower)
    if upper is not None:
        conditions.append(Activity.starts_at < upper)
    if team_id is not None:
        conditions.append(Activity.team_id == team_id)
    return conditions


def totals(community_id, lower=None, upper=None, team_id=None):
    """``{"teams", "projects", "activities", "minutes", "beneficiaries": {group: n},
    "people_served"}`` for verified activities starting in ``[lower, upper)``."""
    where = _verified(community_id, lower, upper, team_id)
    teams, projects, activities = db.session.execute(
        sa.select(sa.func.count(sa.distinct(Activity.team_id)),
                  sa.func.count(sa.distinct(Activity.project_id)),
                  sa.func.count(Activity.id)).where(*where)).one()
    minutes = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Attendance.minutes), 0))
        .join(Activity, Activity.id == Attendance.activity_id).where(*where))
    groups = dict(db.session.execute(
        sa.select(ActivityBeneficiary.group, sa.func.sum(ActivityBeneficiary.count))
        .join(Activity, Activity.id == ActivityBeneficiary.activity_id).where(*where)
        .group_by(ActivityBeneficiary.group)).all())
    beneficiaries = {g: int(groups.get(g, 0) or 0) for g in BeneficiaryGroup}
    return {"teams": teams, "projects": projects, "activities": activities, "minutes": int(minutes),
            "beneficiaries": beneficiaries, "people_served": sum(beneficiaries.values())}


def per_team(community_id, lower=None, upper=None):
    """One row per team of the community (also those with nothing in the period):
    ``(team, projects, activities, minutes, people_served)``, by name."""
    where = _verified(community_id, lower, upper)
    acts = (sa.select(Activity.team_id.label("team_id"),
                      sa.func.count(sa.distinct(Activity.project_id)).label("projects"),
                      sa.func.count(Activity.id).label("activities"))
            .where(*where).group_by(Activity.team_id).subquery())
    mins = (sa.select(Activity.team_id.label("team_id"), sa.func.sum(Attendance.minutes).label("minutes"))
            .join(Activity, Activity.id == Attendance.activity_id).where(*where)
            .group_by(Activity.team_id).subquery())
    served = (sa.select(Activity.team_id.label("team_id"),
                        sa.func.sum(ActivityBeneficiary.count).label("people"))
              .join(Activity, Activity.id == ActivityBeneficiary.activity_id).where(*where)
              .group_by(Activity.team_id).subquery())
    rows = db.session.execute(
        sa.select(Team, sa.func.coalesce(acts.c.projects, 0), sa.func.coalesce(acts.c.activities, 0),
                  sa.func.coalesce(mins.c.minutes, 0), sa.func.coalesce(served.c.people, 0))
        .outerjoin(acts, acts.c.team_id == Team.id)
        .outerjoin(mins, mins.c.team_id == Team.id)
        .outerjoin(served, served.c.team_id == Team.id)
        .where(Team.community_id == community_id).order_by(Team.name)).all()
    return [(t, int(p), int(a), int(m), int(s)) for t, p, a, m, s in rows]
