"""Projects and activities: the two state machines, rosters, evidence and counts.

Project: published → claimed → active → completed, or cancelled (a declined claim goes
back to published). Activity: draft → submitted → verified, or submitted → returned →
submitted again; a verified activity is locked, corrected by an amendment that is
verified in its place (the original becomes superseded).

Other domains (points) react to :data:`charity.signals.activity_verified`: it is sent
once per verification, in the same transaction, with the activity as sender and
``replaced``, the superseded original of an amendment (else None);
:func:`roster_difference` gives the minutes to post for a correction.
"""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity import signals
from charity.audit.services import record
from charity.dbutil import lock_row
from charity.errors import IllegalTransition, ValidationFailed
from charity.extensions import db
from charity.models_base import utcnow
from charity.needs.models import Need, NeedState
from charity.partners.models import Partner, PartnerStatus, Service
from charity.projects import uploads
from charity.projects.errors import (  # noqa: F401  (callers use the names here too)
    ActivityLocked,
    NotActiveProject,
    ProjectNeedInvalid,
    ProjectServiceInvalid,
    RosterError,
)
from charity.projects.models import (
    Activity,
    ActivityBeneficiary,
    ActivityKind,
    ActivityState,
    Attendance,
    Evidence,
    Project,
    ProjectState,
)
from charity.statemachine import Workflow
from charity.teams.models import BeneficiaryGroup, Team, TeamMember, Volunteer
from charity.teams.services import actor_id
from charity.teams.services import clean_groups as _clean_groups
from charity.teams.services import community_of as _community

# -- projects ----------------------------------------------------------------------------

#: action -> (states it may start from, state it leads to)
PROJECT_TRANSITIONS = {
    "claim": ({ProjectState.published}, ProjectState.claimed),
    "confirm": ({ProjectState.claimed}, ProjectState.active),
    "decline": ({ProjectState.claimed}, ProjectState.published),
    "complete": ({ProjectState.active}, ProjectState.completed),
    "cancel": ({ProjectState.published, ProjectState.claimed, ProjectState.active},
               ProjectState.cancelled),
}


def _project_snapshot(project):
    return {"state": project.state.value, "team": project.team.name if project.team else None}


#: Needs a project may newly be linked to (closed and declined ones are done with).
LINKABLE_NEED_STATES = (NeedState.open, NeedState.matched, NeedState.in_service)


def linkable_needs(community_id, keep=None):
    """The community's needs a project may be linked to; ``keep`` (a need id) stays
    offered whatever its state, so editing a project does not lose its link."""
    cond = Need.state.in_(LINKABLE_NEED_STATES)
    if keep:
        cond = sa.or_(cond, Need.id == keep)
    return db.session.scalars(sa.select(Need).where(Need.community_id == community_id, cond)
                              .order_by(Need.id.desc())).all()


def linkable_services(community_id, keep=()):
    """Active services of the community's active partners (by partner, then name); the
    ids in ``keep`` stay offered even if no longer active."""
    cond = sa.and_(Service.active.is_(True), Partner.status == PartnerStatus.active)
    if keep:
        cond = sa.or_(cond, Service.id.in_(list(keep)))
    return db.session.scalars(sa.select(Service).join(Service.partner)
                              .where(Service.community_id == community_id, cond)
                              .order_by(Partner.name, Service.name)).all()


def _resolve_links(community_id, need_id, service_ids, current=None):
    """``(need, [services])`` checked for ``community_id``; reads only, writes nothing.
    Links ``current`` (a project) already has are kept even if no longer offered."""
    need = None
    if need_id:
        keep = current.need_id if current is not None else None
        need = db.session.get(Need, need_id)
        if need is None or need.community_id != community_id \
                or (need.state not in LINKABLE_NEED_STATES and need.id != keep):
            raise ProjectNeedInvalid(_l("Choose a need of this community that is not closed or declined."))
    try:
        ids = sorted({int(i) for i in service_ids or () if i})
    except (TypeError, ValueError):
        raise ProjectServiceInvalid(_l("Choose active services of this community's partners.")) from None
    keep = {s.id for s in current.services} if current is not None else set()
    offered = {s.id: s for s in linkable_services(community_id, keep=keep)}
    if any(i not in offered for i in ids):
        raise ProjectServiceInvalid(_l("Choose active services of this community's partners."))
    return need, [offered[i] for i in ids]


def _links_snapshot(project):
    return {"need": f"#{project.need.id} {project.need.description[:40]}" if project.need else None,
            "services": [f"{s.partner.name} · {s.name}" for s in project.services]}


def set_project_links(project, *, need_id=None, service_ids=(), actor=None):
    """Link ``project`` to a need (or none) and to partners' services (replacing the
    previous links). Audited with the links before and after.

    :raises ProjectNeedInvalid: a need of another community, or one closed or declined.
    :raises ProjectServiceInvalid: a service of another community, or an inactive one.
    """
    lock_row(Project, project.id)
    db.session.refresh(project)
    need, services = _resolve_links(project.community_id, need_id, service_ids, current=project)
    before = _links_snapshot(project)
    project.need = need
    project.services = services
    db.session.flush()
    after = _links_snapshot(project)
    if after != before:
        record("project.links", "project", project.id, community=_community(project), actor=actor,
               label=project.title, before=before, after=after)
    return project


def create_project(community, *, title, description="", target_groups=(), expected_activities=0,
                   need_id=None, service_ids=(), actor=None):
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise ValidationFailed(_l("Titles take 1 to 120 characters."))
    if expected_activities is None or expected_activities < 0:
        raise ValidationFailed(_l("The expected number of activities cannot be negative."))
    need, services = _resolve_links(community.id, need_id, service_ids)
    project = Project(community_id=community.id, title=title, description=(description or "").strip(),
                      target_groups=_clean_groups(target_groups),
                      expected_activities=expected_activities, state=ProjectState.published,
                      created_by_id=actor_id(actor), need=need, services=services)
    db.session.add(project)
    db.session.flush()
    record("project.create", "project", project.id, community=community, actor=actor, label=project.title,
           after={"title": project.title, "target_groups": project.target_groups,
                  "expected_activities": project.expected_activities, "state": project.state.value,
                  **_links_snapshot(project)})
    return project


#: A funded project follows its grant: grant action -> (project states, project step).
GRANT_FOLLOW_STEPS = {
    "activate": ({ProjectState.claimed}, "confirm"),
    "close": ({ProjectState.active}, "complete"),
    "terminate": ({ProjectState.claimed, ProjectState.active}, "cancel"),
}


def _on_grant_moved(grant, *, action, project, actor=None):
    if project is None or action not in GRANT_FOLLOW_STEPS:
        return
    states, step = GRANT_FOLLOW_STEPS[action]
    if project.state in states:
        transition_project(project, step, actor=actor)


def connect_signals():
    """A funded project follows its grant's start, close and termination."""
    signals.grant_moved.connect(_on_grant_moved, weak=False)


def transition_project(project, action, *, team=None, actor=None):
    """Move ``project`` one step. ``team`` is the claiming team for ``claim``.

    :raises IllegalTransition: the step is not allowed from the project's state; nothing
        changes.
    """
    PROJECT_FLOW.check(project, action)
    before = _project_snapshot(project)
    values = {}
    if action == "claim":
        if team is None or team.community_id != project.community_id:
            raise ValidationFailed(_l("Choose the team that claims the project."))
        values = {"team_id": team.id, "claimed_at": utcnow()}
    elif action == "decline":
        values = {"team_id": None, "claimed_at": None}
    return PROJECT_FLOW.step(project, action, values=values, community=_community(project), actor=actor,
                             before=before, after=_project_snapshot)


PROJECT_STATE_NAMES = {
    ProjectState.published: _l("published"),
    ProjectState.claimed: _l("claimed"),
    ProjectState.active: _l("active"),
    ProjectState.completed: _l("completed"),
    ProjectState.cancelled: _l("cancelled"),
}

PROJECT_STEP_NAMES = {
    "claim": _l("claim"),
    "confirm": _l("confirm the claim"),
    "decline": _l("decline the claim"),
    "complete": _l("complete"),
    "cancel": _l("cancel"),
}

PROJECT_FLOW = Workflow(
    Project, PROJECT_TRANSITIONS, audit_prefix="project", object_type="project",
    label=lambda project: project.title,
    refused=lambda project, action: _l(
        "Not possible now (%(step)s): the project is %(state)s.", step=PROJECT_STEP_NAMES[action],
        state=PROJECT_STATE_NAMES[project.state]) if action in PROJECT_STEP_NAMES else None)


# -- activities --------------------------------------------------------------------------

#: action -> (states it may start from, state it leads to)
ACTIVITY_TRANSITIONS = {
    "submit": ({ActivityState.draft, ActivityState.returned}, ActivityState.submitted),
    "verify": ({ActivityState.submitted}, ActivityState.verified),
    "return": ({ActivityState.submitted}, ActivityState.returned),
    "supersede": ({ActivityState.verified}, ActivityState.superseded),
}

ACTIVITY_STATE_NAMES = {
    ActivityState.draft: _l("draft"),
    ActivityState.submitted: _l("submitted"),
    ActivityState.returned: _l("returned"),
    ActivityState.verified: _l("verified"),
    ActivityState.superseded: _l("superseded"),
}

ACTIVITY_STEP_NAMES = {
    "submit": _l("submit"),
    "verify": _l("verify"),
    "return": _l("return"),
    "supersede": _l("replace by a correction"),
}

ACTIVITY_FLOW = Workflow(
    Activity, ACTIVITY_TRANSITIONS, audit_prefix="activity", object_type="activity",
    label=lambda activity: activity.title,
    refused=lambda activity, action: _l(
        "Not possible now (%(step)s): the activity is %(state)s.", step=ACTIVITY_STEP_NAMES[action],
        state=ACTIVITY_STATE_NAMES[activity.state]) if action in ACTIVITY_STEP_NAMES else None)

def roster_of(activity):
    """``{volunteer_id: minutes}`` of an activity's roster."""
    return {a.volunteer_id: a.minutes for a in activity.attendance}


def roster_difference(activity):
    """Minutes to add (or, negative, take back) per volunteer when ``activity`` replaces
    the one it amends; for an original activity, its whole roster."""
    new = roster_of(activity)
    old = roster_of(activity.amends) if activity.amends_id else {}
    diff = {v: new.get(v, 0) - old.get(v, 0) for v in set(new) | set(old)}
    return {v: d for v, d in diff.items() if d}


def _activity_snapshot(activity):
    return {
        "title": activity.title, "kind": activity.kind.value, "state": activity.state.value,
        "starts_at": activity.starts_at, "ends_at": activity.ends_at, "place": activity.place,
        "roster": {a.volunteer.name: a.minutes for a in activity.attendance},
        "beneficiaries": {b.group.value: b.count for b in activity.beneficiaries},
        "return_reason": activity.return_reason or None,
        "amends": activity.amends_id,
    }


def transition_activity(activity, action, *, reason=None, actor=None):
    """Move ``activity`` one step; for ``verify`` use :func:`verify_activity`.

    :raises IllegalTransition: not allowed from the activity's state; nothing changes.
    :raises ValidationFailed: a return without a reason, a submission without a roster,
        submitting or verifying an activity that has not ended yet.
    """
    ACTIVITY_FLOW.check(activity, action)
    before = _activity_snapshot(activity)
    values = {}
    if action in ("submit", "verify") and activity.ends_at > utcnow():
        # Service is counted (and will earn points) only once it has happened.
        raise ValidationFailed(_l("The activity has not ended yet: it can be submitted and "
                                  "verified once it has taken place."))
    if action == "submit":
        if not activity.attendance:
            raise ValidationFailed(_l("Add at least one volunteer to the roster before submitting."))
        values = {"submitted_at": utcnow()}
    elif action == "return":
        reason = (reason or "").strip()
        if not reason:
            raise ValidationFailed(_l("Say why the activity is returned."))
        values = {"return_reason": reason[:500]}
    elif action == "verify":
        values = {"verified_at": utcnow(), "verified_by_id": actor_id(actor)}
    return ACTIVITY_FLOW.step(activity, action, values=values, community=_community(activity),
                              actor=actor, before=before, after=_activity_snapshot)


def verify_activity(activity, *, actor=None):
    """Staff confirm what happened: the one place where service becomes countable.

    An amendment replaces its original (which becomes superseded). Then
    :data:`charity.signals.activity_verified` is sent once, in the same transaction.
    """
    transition_activity(activity, "verify", actor=actor)
    replaced = None
    if activity.amends_id:
        replaced = db.session.get(Activity, activity.amends_id)
        transition_activity(replaced, "supersede", actor=actor)
    signals.activity_verified.send(activity, replaced=replaced, actor=actor)
    return activity


def _project_for_logging(project, team_id=None):
    if project.state != ProjectState.active or project.team_id is None:
        raise NotActiveProject(_l("Activities can be logged only for a team's active project."))
    return project


def _validate_times(starts_at, ends_at):
    if starts_at is None or ends_at is None:
        raise ValidationFailed(_l("Give the start and the end."))
    if ends_at <= starts_at:
        raise ValidationFailed(_l("The end must be after the start."))
    if ends_at - starts_at > timedelta(days=1):
        raise ValidationFailed(_l("An activity lasts at most a day; log longer ones day by day."))


def default_minutes(starts_at, ends_at):
    """The activity's length, rounded to the nearest quarter hour (at least 15, at most a day)."""
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    quarters = max(1, round(minutes / 15))
    return min(quarters * 15, 1440)


def _set_roster(activity, roster):
    """Replace the roster with ``roster`` (``{volunteer_id: minutes}``)."""
    ids = set(roster)
    if ids:
        found = set(db.session.scalars(sa.select(Volunteer.id).where(
            Volunteer.id.in_(ids), Volunteer.community_id == activity.community_id)))
        if found != ids:
            raise RosterError(_l("A volunteer on the roster is not in this community."))
    for minutes in roster.values():
        if not isinstance(minutes, int) or minutes <= 0 or minutes > 1440 or minutes % 15:
            raise RosterError(_l("Hours are given in quarter hours (0.25, 0.5, 0.75 …), at most 24."))
    existing = {a.volunteer_id: a for a in activity.attendance}
    for volunteer_id, row in existing.items():
        if volunteer_id not in roster:
            activity.attendance.remove(row)
    for volunteer_id, minutes in roster.items():
        if volunteer_id in existing:
            existing[volunteer_id].minutes = minutes
        else:
            activity.attendance.append(Attendance(volunteer_id=volunteer_id, minutes=minutes))


def _set_beneficiaries(activity, counts):
    counts = {BeneficiaryGroup(g): n for g, n in counts.items() if n}
    for n in counts.values():
        if not isinstance(n, int) or n < 0 or n > 100000:
            raise ValidationFailed(_l("Counts are whole numbers from 0 to 100000."))
    existing = {b.group: b for b in activity.beneficiaries}
    for group, row in existing.items():
        if group not in counts:
            activity.beneficiaries.remove(row)
    for group, n in counts.items():
        if group in existing:
            existing[group].count = n
        else:
            activity.beneficiaries.append(ActivityBeneficiary(group=group, count=n))


def _fill(activity, *, title, kind, starts_at, ends_at, place="", description="", roster=None,
          beneficiaries=None):
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise ValidationFailed(_l("Titles take 1 to 120 characters."))
    _validate_times(starts_at, ends_at)
    activity.title = title
    activity.kind = ActivityKind(kind)
    activity.starts_at, activity.ends_at = starts_at, ends_at
    activity.place = (place or "").strip()[:120]
    activity.description = (description or "").strip()
    _set_roster(activity, roster or {})
    _set_beneficiaries(activity, beneficiaries or {})


def create_activity(project, *, actor=None, **fields):
    """Log a draft activity for ``project`` (which must be active).

    ``fields``: title, kind, starts_at, ends_at (aware datetimes), place, description,
    roster ``{volunteer_id: minutes}``, beneficiaries ``{group: count}``.
    """
    _project_for_logging(project)
    activity = Activity(community_id=project.community_id, project_id=project.id,
                        team_id=project.team_id, state=ActivityState.draft,
                        created_by_id=actor_id(actor))
    _fill(activity, **fields)
    db.session.add(activity)
    db.session.flush()
    record("activity.create", "activity", activity.id, community=_community(activity), actor=actor,
           label=activity.title, after=_activity_snapshot(activity))
    return activity


def update_activity(activity, *, actor=None, **fields):
    """Change a draft or returned activity.

    :raises ActivityLocked: it is submitted, verified or superseded.
    """
    lock_row(Activity, activity.id)
    db.session.refresh(activity)
    if not activity.editable:
        raise ActivityLocked(_l("This activity is %(state)s and can no longer be changed.",
                                state=ACTIVITY_STATE_NAMES[activity.state]))
    before = _activity_snapshot(activity)
    _fill(activity, **fields)
    db.session.flush()
    record("activity.update", "activity", activity.id, community=_community(activity), actor=actor,
           label=activity.title, before=before, after=_activity_snapshot(activity))
    return activity


def open_amendment(activity):
    return db.session.scalar(sa.select(Activity).where(
        Activity.amends_id == activity.id,
        Activity.state.in_([ActivityState.draft, ActivityState.submitted, ActivityState.returned])))


def amend_activity(activity, *, actor=None):
    """Start a correction of a verified activity: a draft copy linked to it.

    :raises IllegalTransition: the activity is not verified, or a correction is open.
    """
    lock_row(Activity, activity.id)
    db.session.refresh(activity)
    if activity.state != ActivityState.verified:
        raise IllegalTransition(_l("Only a verified activity can be corrected."))
    if open_amendment(activity) is not None:
        raise IllegalTransition(_l("A correction of this activity is already open."))
    copy = Activity(community_id=activity.community_id, project_id=activity.project_id,
                    team_id=activity.team_id, title=activity.title, kind=activity.kind,
                    starts_at=activity.starts_at, ends_at=activity.ends_at, place=activity.place,
                    description=activity.description, state=ActivityState.draft,
                    amends_id=activity.id, created_by_id=actor_id(actor))
    copy.attendance = [Attendance(volunteer_id=a.volunteer_id, minutes=a.minutes)
                       for a in activity.attendance]
    copy.beneficiaries = [ActivityBeneficiary(group=b.group, count=b.count)
                          for b in activity.beneficiaries]
    copy.evidence = [Evidence(stored_name=e.stored_name, original_name=e.original_name,
                              content_type=e.content_type, size=e.size, uploaded_by_id=e.uploaded_by_id)
                     for e in activity.evidence]
    db.session.add(copy)
    db.session.flush()
    record("activity.amend", "activity", copy.id, community=_community(copy), actor=actor,
           label=copy.title, after=_activity_snapshot(copy))
    return copy


def team_roster_candidates(activity_or_project):
    """The team's members on the activity's day (or today), for one-tap roster filling."""
    team = db.session.get(Team, activity_or_project.team_id)
    members = db.session.scalars(sa.select(TeamMember).where(TeamMember.team_id == team.id)
                                 .order_by(TeamMember.id)).all()
    return [m for m in members if m.left_on is None] + [m for m in members if m.left_on is not None]


def as_utc(local_naive, tz):
    """A naive local date-time typed in a form (Asia/Shanghai) as aware UTC."""
    return local_naive.replace(tzinfo=tz).astimezone(timezone.utc)


def period_bounds(start, end, tz):
    """Whole local days [start, end] as a UTC half-open range."""
    lower = datetime.combine(start, datetime.min.time(), tzinfo=tz) if start else None
    upper = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz) if end else None
    return lower, upper


# -- evidence ----------------------------------------------------------------------------


def add_evidence(activity, *, data, filename, actor=None):
    """Check and keep an evidence file of a draft or returned activity.

    The file is written only after every check passed; if the transaction later fails,
    the view removes it again (:func:`charity.projects.uploads.remove`).

    :raises InvalidUpload: not an allowed type by content, empty or too large.
    :raises ActivityLocked: the activity can no longer be changed.
    """

    lock_row(Activity, activity.id)
    db.session.refresh(activity)
    if not activity.editable:
        raise ActivityLocked(_l("This activity is %(state)s and can no longer be changed.",
                                state=ACTIVITY_STATE_NAMES[activity.state]))
    content_type, stored = uploads.check(data)
    name = uploads.store(stored, content_type)
    evidence = Evidence(activity_id=activity.id, stored_name=name, original_name=uploads.clean_name(filename),
                        content_type=content_type, size=len(stored), uploaded_by_id=actor_id(actor))
    db.session.add(evidence)
    db.session.flush()
    record("evidence.add", "activity", activity.id, community=_community(activity), actor=actor,
           label=activity.title, after={"file": evidence.original_name})
    return evidence


def remove_evidence(evidence, *, actor=None):
    """Take a file off a draft or returned activity (the file goes when no record uses it)."""

    activity = evidence.activity
    lock_row(Activity, activity.id)
    db.session.refresh(activity)
    if not activity.editable:
        raise ActivityLocked(_l("This activity is %(state)s and can no longer be changed.",
                                state=ACTIVITY_STATE_NAMES[activity.state]))
    name = evidence.original_name
    stored = evidence.stored_name
    db.session.delete(evidence)
    db.session.flush()
    record("evidence.remove", "activity", activity.id, community=_community(activity), actor=actor,
           label=activity.title, before={"file": name})
    still_used = db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)
                                   .where(Evidence.stored_name == stored))
    return None if still_used else stored
