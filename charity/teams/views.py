"""Teams, volunteers, one's own service history and the counts."""


import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from charity import web
from charity.accounts.access import (
    community_members_query,
    get_member_or_404,
    get_scoped_or_404,
    has_role,
    requires,
    scoped,
)
from charity.accounts.forms import choices
from charity.accounts.models import User
from charity.errors import CharityError
from charity.extensions import db
from charity.models_base import local_today, local_zone
from charity.pagination import paginate, query_args
from charity.projects import counts
from charity.projects.models import Activity, ActivityState, Attendance, Project
from charity.projects.services import period_bounds
from charity.teams import access, services
from charity.teams.forms import (
    MemberAddForm,
    MemberLeaveForm,
    MemberRoleForm,
    PeriodForm,
    TeamForm,
    VolunteerForm,
)
from charity.teams.labels import TEAM_ROLE_LABELS, group_label, team_role_label
from charity.teams.models import Team, TeamMember, Volunteer
from charity.web import back_on_error, submit

bp = Blueprint("teams", __name__)

STAFF = ("admin", "council", "auditor")



bp.add_app_template_filter(group_label, "group_label")
bp.add_app_template_filter(team_role_label, "team_role_label")


@bp.app_template_filter("hours")
def hours(minutes):
    """Minutes as hours with up to two decimals: 90 -> 1.5."""
    minutes = int(minutes or 0)
    whole, rest = divmod(minutes, 60)
    return f"{whole}" if not rest else f"{whole}.{rest * 100 // 60:02d}".rstrip("0")


@bp.route("/teams")
@requires()
def teams():
    rows = counts.per_team(g.community.id)
    return render_template("teams/list.html", rows=rows, led=access.my_led_team_ids())


@bp.route("/teams/new", methods=["GET", "POST"])
@requires("admin")
def team_new():
    form = TeamForm()

    def create(form):
        team = services.create_team(g.community, name=form.name.data, description=form.description.data,
                                    focus_groups=form.focus_groups.data, actor=web.actor())
        return _("Team %(name)s created.", name=team.name), url_for("teams.team_detail", team_id=team.id)

    return submit(form, create, fields={CharityError: "name"},
                  render=lambda status: (render_template("teams/team_form.html", form=form), status))


def _member_form(team):
    form = MemberAddForm()
    current = {m.volunteer_id for m in team.members if m.left_on is None}
    volunteers = db.session.scalars(scoped(Volunteer).order_by(Volunteer.name)).all()
    form.volunteer_id.choices = choices([("", _l("Choose a volunteer"))] + [
        (str(v.id), v.name) for v in volunteers if v.id not in current])
    return form


@bp.route("/teams/<id:team_id>")
@requires()
def team_detail(team_id):
    team = get_scoped_or_404(Team, team_id)
    manage = access.can_manage_team(team.id)
    projects = db.session.scalars(sa.select(Project).where(Project.team_id == team.id)
                                  .order_by(Project.id)).all()
    stmt = sa.select(Activity).where(Activity.team_id == team.id).order_by(Activity.starts_at.desc())
    if not (manage or has_role(*STAFF)):
        stmt = stmt.where(Activity.state == ActivityState.verified)
    activities = db.session.scalars(stmt.limit(50)).all()
    return render_template("teams/detail.html", team=team, manage=manage, projects=projects,
                           activities=activities, totals=counts.totals(g.community.id, team_id=team.id),
                           member_form=_member_form(team) if manage else None,
                           role_form=MemberRoleForm(formdata=None), leave_form=MemberLeaveForm(formdata=None),
                           sees_members=manage or has_role(*STAFF))


def _member_of(team_id, member_id):
    team = get_scoped_or_404(Team, team_id)
    member = db.session.scalar(sa.select(TeamMember).where(TeamMember.id == member_id,
                                                           TeamMember.team_id == team.id))
    if member is None:
        abort(404)
    return team, member


def _guard_team(team):
    if not access.can_manage_team(team.id):
        abort(403)


@bp.route("/teams/<id:team_id>/members", methods=["POST"])
@requires("admin", "leader")
def member_add(team_id):
    team = get_scoped_or_404(Team, team_id)
    _guard_team(team)
    form = _member_form(team)
    back = back_on_error(url_for("teams.team_detail", team_id=team.id))
    if form.validate_on_submit():
        volunteer = get_scoped_or_404(Volunteer, int(form.volunteer_id.data))
        services.add_member(team, volunteer, role=form.role.data,
                            joined_on=form.joined_on.data or local_today(), actor=web.actor())
        flash(_("%(name)s joined the team.", name=volunteer.name), "success")
        return redirect(back)
    flash(_("The member was not added: choose a volunteer."), "danger")
    return redirect(url_for("teams.team_detail", team_id=team.id))


@bp.route("/teams/<id:team_id>/members/<id:member_id>/role", methods=["POST"])
@requires("admin", "leader")
def member_role(team_id, member_id):
    team, member = _member_of(team_id, member_id)
    _guard_team(team)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        abort(400)
    back = back_on_error(url_for("teams.team_detail", team_id=team.id))
    services.change_role(member, form.role.data, actor=web.actor())
    flash(_("%(name)s is now %(role)s.", name=member.volunteer.name,
            role=TEAM_ROLE_LABELS[member.role]), "success")
    return redirect(back)


@bp.route("/teams/<id:team_id>/members/<id:member_id>/leave", methods=["POST"])
@requires("admin", "leader")
def member_leave(team_id, member_id):
    team, member = _member_of(team_id, member_id)
    _guard_team(team)
    form = MemberLeaveForm()
    if not form.validate_on_submit():
        abort(400)
    back = back_on_error(url_for("teams.team_detail", team_id=team.id))
    services.leave(member, on=form.left_on.data or local_today(), actor=web.actor())
    flash(_("%(name)s has left the team.", name=member.volunteer.name), "success")
    return redirect(back)


# -- volunteers --------------------------------------------------------------------------


@bp.route("/volunteers")
@requires("admin", "council", "auditor", "leader")
def volunteers():
    stmt = scoped(Volunteer).order_by(Volunteer.name)
    if not has_role(*STAFF):  # a leader sees the volunteers of the teams they lead
        led = access.my_led_team_ids()
        stmt = stmt.where(Volunteer.id.in_(sa.select(TeamMember.volunteer_id)
                                           .where(TeamMember.team_id.in_(led or {0}))))
    q = (request.args.get("q") or "").strip()[:80]
    if q:
        stmt = stmt.where(Volunteer.name.ilike(f"%{q}%"))
    page = paginate(stmt.options(selectinload(Volunteer.memberships).selectinload(TeamMember.team)))
    return render_template("teams/volunteers.html", page=page, q=q, args={"q": q} if q else {})


def _volunteer_form():
    form = VolunteerForm()
    if has_role("admin"):
        teams = db.session.scalars(scoped(Team).order_by(Team.name)).all()
        form.team_id.choices = choices([("", _l("No team for now"))] + [(str(t.id), t.name) for t in teams])
        linked = sa.select(Volunteer.user_id).where(Volunteer.community_id == g.community.id,
                                                    Volunteer.user_id.is_not(None))
        users = db.session.scalars(community_members_query(g.community).where(User.id.not_in(linked))
                                   .order_by(User.display_name)).all()
        form.user_id.choices = choices([("", _l("None"))] + [
            (str(u.id), f"{u.display_name} ({u.username})") for u in users])
    else:
        led = access.my_led_team_ids()
        teams = db.session.scalars(scoped(Team).where(Team.id.in_(led or {0})).order_by(Team.name)).all()
        form.team_id.choices = choices((str(t.id), t.name) for t in teams)
        form.user_id.choices = choices([("", _l("None"))])
    return form


@bp.route("/volunteers/new", methods=["GET", "POST"])
@requires("admin", "leader")
def volunteer_new():
    form = _volunteer_form()
    if request.method == "GET" and request.args.get("team_id"):
        form.team_id.data = request.args["team_id"]
    existing = []  # the volunteer already recorded with this phone number, if any

    def create(form):
        team = None
        if form.team_id.data:
            team = get_scoped_or_404(Team, int(form.team_id.data))
        if not has_role("admin") and (team is None or not access.can_manage_team(team.id)):
            abort(403)
        user = get_scoped_user(form.user_id.data) if form.user_id.data else None
        try:
            volunteer = services.create_volunteer(
                g.community, name=form.name.data, phone=form.phone.data, tags=form.tags.data,
                consent_on=form.consent_on.data, user=user, team=team, role=form.role.data,
                actor=web.actor())
        except services.DuplicateVolunteer as exc:
            existing.append(exc.existing)
            raise
        message = _("Volunteer %(name)s recorded.", name=volunteer.name)
        if team is not None:
            return message, url_for("teams.team_detail", team_id=team.id)
        return message, url_for("teams.volunteer_detail", volunteer_id=volunteer.id)

    return submit(form, create, fields={services.DuplicateVolunteer: "phone", CharityError: "name"},
                  render=lambda status: (render_template("teams/volunteer_form.html", form=form,
                                                         existing=existing[0] if existing else None), status))


def get_scoped_user(user_id):

    try:
        return get_member_or_404(int(user_id))
    except ValueError:
        abort(404)


def _history(volunteer_id):
    return db.session.execute(
        sa.select(Activity, Attendance.minutes).join(Attendance, Attendance.activity_id == Activity.id)
        .where(Attendance.volunteer_id == volunteer_id, Activity.state == ActivityState.verified)
        .order_by(Activity.starts_at.desc()).limit(200)).all()


def _volunteer_visible(volunteer):
    if has_role(*STAFF) or has_role("admin"):
        return True
    if has_role("leader"):
        led = access.my_led_team_ids()
        return any(m.team_id in led for m in volunteer.memberships)
    return False


@bp.route("/volunteers/<id:volunteer_id>")
@requires("admin", "council", "auditor", "leader")
def volunteer_detail(volunteer_id):
    volunteer = get_scoped_or_404(Volunteer, volunteer_id)
    if not _volunteer_visible(volunteer):
        abort(403)
    history = _history(volunteer.id)
    return render_template("teams/volunteer_detail.html", volunteer=volunteer, history=history,
                           total=sum(m for _a, m in history), own=False)


@bp.route("/me/service")
@requires()
def my_service():
    volunteer = services.volunteer_of(current_user, g.community)
    history = _history(volunteer.id) if volunteer else []
    return render_template("teams/volunteer_detail.html", volunteer=volunteer, history=history,
                           total=sum(m for _a, m in history), own=True)


# -- counts ------------------------------------------------------------------------------


@bp.route("/counts")
@requires()
def counts_page():
    form = PeriodForm(request.args)
    form.validate()
    start = form.start.data if not form.start.errors else None
    end = form.end.data if not form.end.errors else None
    if start and end and end < start:
        form.end.errors = list(form.end.errors) + [_("The end is before the start.")]
        end = None
    lower, upper = period_bounds(start, end, local_zone())
    return render_template("teams/counts.html", form=form,
                           totals=counts.totals(g.community.id, lower, upper),
                           rows=counts.per_team(g.community.id, lower, upper),
                           args=query_args(form)), 422 if form.errors else 200
