"""Every transition of projects and activities, and each illegal one: the illegal step
raises a named error and changes nothing."""

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from charity import signals
from charity.audit.models import AuditEvent
from charity.errors import CharityError
from charity.extensions import db
from charity.projects import services
from charity.projects.models import Activity, ActivityState, Project, ProjectState
from charity.teams.models import Team
from tests.access_teams import build_scenario

P = ProjectState
A = ActivityState


@pytest.fixture
def sc(app, world):
    return build_scenario(app, world)


@pytest.fixture
def rctx(app):
    with app.test_request_context():
        yield


def _new_project(app, world):
    from charity.accounts.models import Community

    return services.create_project(db.session.get(Community, world.a), title="旧物升级工坊")


def _events(action):
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


#: The project workflow as the programme runs it, written out here rather than read from
#: ``services``, so a wrong edit to the code's table fails these tests: each step's legal
#: source states and its target; every other (state, step) pair is refused.
PROJECT_EXPECTED = {
    "claim": ({P.published}, P.claimed),                       # a team claims a published project
    "confirm": ({P.claimed}, P.active),                        # staff or council confirm the claim
    "decline": ({P.claimed}, P.published),                     # ... or decline it: published again
    "complete": ({P.active}, P.completed),
    "cancel": ({P.published, P.claimed, P.active}, P.cancelled),  # not once completed
}
PROJECT_STATES = [P.published, P.claimed, P.active, P.completed, P.cancelled]


def _split(expected, states):
    """Every (step, state) pair of a written table: the legal ones with their target,
    and the illegal ones."""
    legal = [(action, state, target) for action, (sources, target) in expected.items()
             for state in states if state in sources]
    illegal = [(action, state) for action, (sources, _t) in expected.items()
               for state in states if state not in sources]
    return legal, illegal


LEGAL_PROJECT, ILLEGAL_PROJECT = _split(PROJECT_EXPECTED, PROJECT_STATES)


def test_the_written_project_table_covers_every_state():
    assert set(PROJECT_STATES) == set(ProjectState)
    assert len(LEGAL_PROJECT) == 7 and len(ILLEGAL_PROJECT) == 5 * 5 - 7


def _project_in(app, world, sc, state):
    project = _new_project(app, world)
    team = db.session.get(Team, sc.team_a)
    path = {P.published: [], P.claimed: ["claim"], P.active: ["claim", "confirm"],
            P.completed: ["claim", "confirm", "complete"], P.cancelled: ["cancel"]}[state]
    for step in path:
        services.transition_project(project, step, team=team)
    assert project.state == state
    return project


@pytest.mark.parametrize("action,source,target", LEGAL_PROJECT)
def test_each_project_transition(app, world, sc, rctx, action, source, target):
    project = _project_in(app, world, sc, source)
    team = db.session.get(Team, sc.team_a)
    team_before = project.team_id
    services.transition_project(project, action, team=team)
    assert project.state == target
    # A claim names the team, a declined claim clears it, every other step keeps it.
    assert project.team_id == {"claim": sc.team_a, "decline": None}.get(action, team_before)
    assert _events(f"project.{action}") >= 1


@pytest.mark.parametrize("action,state", ILLEGAL_PROJECT)
def test_illegal_project_transitions_change_nothing(app, world, sc, rctx, action, state):
    project = _project_in(app, world, sc, state)
    db.session.commit()
    before = (project.state, project.team_id)
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    with pytest.raises(CharityError):
        services.transition_project(project, action, team=db.session.get(Team, sc.team_b))
    db.session.rollback()
    project = db.session.get(Project, project.id)
    assert (project.state, project.team_id) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events


def test_unknown_project_step_is_illegal(app, world, sc, rctx):
    project = db.session.get(Project, sc.project_a)
    before = project.state
    with pytest.raises(CharityError):
        services.transition_project(project, "reopen")
    db.session.rollback()
    assert db.session.get(Project, sc.project_a).state == before


# -- activities --------------------------------------------------------------------------


def _activity_in(sc, state):
    activity = db.session.get(Activity, sc.activity_a)
    path = {A.draft: [], A.submitted: ["submit"], A.returned: ["submit", "return"],
            A.verified: ["submit", "verify"], A.superseded: None}[state]
    if path is None:
        _activity_in(sc, A.verified)
        amendment = services.amend_activity(activity)
        services.transition_activity(amendment, "submit")
        services.verify_activity(amendment)
        assert activity.state == A.superseded
        return activity
    for step in path:
        if step == "verify":
            services.verify_activity(activity)
        else:
            services.transition_activity(activity, step, reason="照片缺少签到表")
    assert activity.state == state
    return activity


#: The activity workflow, written out (not read from ``services``): each step's legal
#: source states and its target.
ACTIVITY_EXPECTED = {
    "submit": ({A.draft, A.returned}, A.submitted),   # the leader submits, or resubmits when returned
    "verify": ({A.submitted}, A.verified),            # staff verify what happened
    "return": ({A.submitted}, A.returned),            # ... or return it with a reason
    "supersede": ({A.verified}, A.superseded),        # a verified correction replaces it
}
ACTIVITY_STATES = [A.draft, A.submitted, A.returned, A.verified, A.superseded]
LEGAL_ACTIVITY, ILLEGAL_ACTIVITY = _split(ACTIVITY_EXPECTED, ACTIVITY_STATES)


def test_the_written_activity_table_covers_every_state():
    assert set(ACTIVITY_STATES) == set(ActivityState)
    assert len(LEGAL_ACTIVITY) == 5 and len(ILLEGAL_ACTIVITY) == 4 * 5 - 5


@pytest.mark.parametrize("action,source,target", LEGAL_ACTIVITY)
def test_each_activity_transition(app, world, sc, rctx, action, source, target):
    activity = _activity_in(sc, source)
    services.transition_activity(activity, action, reason="签到表不清楚")
    assert activity.state == target
    assert _events(f"activity.{action}") >= 1


@pytest.mark.parametrize("action,state", ILLEGAL_ACTIVITY)
def test_illegal_activity_transitions_change_nothing(app, world, sc, rctx, action, state):
    activity = _activity_in(sc, state)
    db.session.commit()
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    with pytest.raises(CharityError):
        if action == "verify":
            services.verify_activity(activity)
        else:
            services.transition_activity(activity, action, reason="x")
    db.session.rollback()
    assert db.session.get(Activity, sc.activity_a).state == state
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events


def test_return_needs_a_reason_and_submit_a_roster(app, world, sc, rctx):
    activity = _activity_in(sc, A.submitted)
    db.session.commit()
    with pytest.raises(services.ValidationFailed):
        services.transition_activity(activity, "return", reason="  ")
    db.session.rollback()
    activity = db.session.get(Activity, sc.activity_a)
    assert activity.state == A.submitted
    services.transition_activity(activity, "return", reason="少了签到表")
    services.update_activity(activity, title=activity.title, kind="reading", starts_at=activity.starts_at,
                             ends_at=activity.ends_at, roster={}, beneficiaries={})
    with pytest.raises(services.ValidationFailed):
        services.transition_activity(activity, "submit")


def test_verified_activity_is_locked(app, world, sc, rctx):
    activity = _activity_in(sc, A.verified)
    db.session.commit()
    with pytest.raises(services.ActivityLocked):
        services.update_activity(activity, title="改过", kind="reading", starts_at=activity.starts_at,
                                 ends_at=activity.ends_at, roster={sc.lead_a: 15})
    db.session.rollback()
    with pytest.raises(services.ActivityLocked):
        from tests.access_teams import png_bytes

        services.add_evidence(db.session.get(Activity, sc.activity_a), data=png_bytes(), filename="x.png")


def test_amendment_is_verified_in_place_of_the_original_and_hooks_run_once(app, world, sc, rctx):
    calls = []

    def receiver(a, replaced, actor):
        calls.append((a.id, replaced and replaced.id))

    signals.activity_verified.connect(receiver)
    try:
        original = _activity_in(sc, A.verified)
        assert calls == [(original.id, None)]
        assert services.roster_difference(original) == {sc.lead_a: 120, sc.member_a: 90}
        with pytest.raises(CharityError):
            services.amend_activity(db.session.get(Activity, sc.activity_b))  # a draft
        amendment = services.amend_activity(original)
        with pytest.raises(CharityError):
            services.amend_activity(original)  # one open correction at a time
        assert amendment.amends_id == original.id and amendment.state == A.draft
        assert len(amendment.evidence) == len(original.evidence)
        services.update_activity(amendment, title=amendment.title, kind="reading",
                                 starts_at=amendment.starts_at, ends_at=amendment.ends_at,
                                 roster={sc.lead_a: 120, sc.member_a: 60, sc.lead_b: 30},
                                 beneficiaries={"children": 14})
        assert services.roster_difference(amendment) == {sc.member_a: -30, sc.lead_b: 30}
        services.transition_activity(amendment, "submit")
        services.verify_activity(amendment)
        assert original.state == A.superseded and amendment.state == A.verified
        assert calls[-1] == (amendment.id, original.id) and len(calls) == 2
        # both stay visible in the audit trail
        assert _events("activity.supersede") == 1 and _events("activity.amend") == 1
    finally:
        signals.activity_verified.disconnect(receiver)


def test_activities_only_for_active_projects(app, world, sc, rctx):
    project = _new_project(app, world)
    start = datetime(2026, 4, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(services.NotActiveProject):
        services.create_activity(project, title="x", kind="visit", starts_at=start,
                                 ends_at=start.replace(hour=2))


@pytest.mark.parametrize("minutes", [0, 10, 20, 1455, -15])
def test_roster_minutes_must_be_quarter_hours(app, world, sc, rctx, minutes):
    activity = db.session.get(Activity, sc.activity_a)
    with pytest.raises(services.RosterError):
        services.update_activity(activity, title="x", kind="visit", starts_at=activity.starts_at,
                                 ends_at=activity.ends_at, roster={sc.lead_a: minutes})


def test_database_refuses_odd_minutes(app, world, sc, rctx):
    from charity.projects.models import Attendance

    db.session.add(Attendance(activity_id=sc.activity_a, volunteer_id=sc.lead_b, minutes=20))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_end_before_start_is_refused(app, world, sc, rctx):
    activity = db.session.get(Activity, sc.activity_a)
    with pytest.raises(services.ValidationFailed):
        services.update_activity(activity, title="x", kind="visit", starts_at=activity.ends_at,
                                 ends_at=activity.starts_at, roster={})


def test_an_activity_that_has_not_ended_cannot_be_submitted_or_verified(app, world, sc, rctx):
    from datetime import timedelta

    from charity.errors import ValidationFailed
    from charity.models_base import utcnow

    activity = db.session.get(Activity, sc.activity_a)
    activity.starts_at = utcnow() + timedelta(days=30)
    activity.ends_at = activity.starts_at + timedelta(hours=2)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="活动尚未结束"):
        services.transition_activity(activity, "submit")
    db.session.rollback()
    assert db.session.get(Activity, sc.activity_a).state == A.draft
    # One already submitted (say before its dates were mistyped) is not verified either.
    activity = db.session.get(Activity, sc.activity_a)
    activity.state = A.submitted
    db.session.commit()
    with pytest.raises(ValidationFailed, match="活动尚未结束"):
        services.verify_activity(activity)
    db.session.rollback()
    assert db.session.get(Activity, sc.activity_a).state == A.submitted
