"""The project pool, claims, activities (logging, submission, verification,
amendment) and evidence files."""

from datetime import datetime
from functools import partial

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from charity import transaction, web
from charity.accounts.access import get_scoped_or_404, has_role, requires, scoped
from charity.accounts.forms import ConfirmForm, choices
from charity.audit.services import filtered_events
from charity.errors import CharityError
from charity.extensions import db
from charity.models_base import local_zone
from charity.needs.services import state_word
from charity.pagination import paginate
from charity.projects import services, uploads
from charity.projects.forms import (
    EXTRA_ROWS,
    KIND_LABELS,
    ActivityForm,
    ClaimForm,
    EvidenceForm,
    ProjectForm,
    ProjectLinksForm,
    ReturnForm,
    beneficiary_field_name,
    read_roster,
)
from charity.projects.models import (
    Activity,
    ActivityKind,
    ActivityState,
    Attendance,
    Evidence,
    Project,
    ProjectState,
)
from charity.teams import access as team_access
from charity.teams import services as teams
from charity.teams.models import BeneficiaryGroup, Team, Volunteer
from charity.web import INVALID, back_on_error, submit

bp = Blueprint("projects", __name__)

STAFF = ("admin", "council", "auditor")



def _as_label(word):
    """A state word stands alone on a badge: "Verified", not "verified" (Chinese is unchanged)."""
    text = str(word)
    return text[:1].upper() + text[1:]


@bp.app_template_filter("project_state_label")
def project_state_label(value):
    return _as_label(services.PROJECT_STATE_NAMES.get(ProjectState(value), value))


@bp.app_template_filter("activity_state_label")
def activity_state_label(value):
    return _as_label(services.ACTIVITY_STATE_NAMES.get(ActivityState(value), value))


@bp.app_template_filter("activity_kind_label")
def activity_kind_label(value):
    return KIND_LABELS.get(ActivityKind(value), value)


@bp.app_template_filter("local_time")
def local_time(value):
    return value.astimezone(local_zone()).strftime("%H:%M") if value else ""


@bp.app_template_filter("local_date")
def local_date(value):
    return value.astimezone(local_zone()).date() if value else None


# -- projects ----------------------------------------------------------------------------


@bp.route("/projects")
@requires()
def projects():
    state = request.args.get("state", "")
    stmt = scoped(Project).order_by(Project.id.desc())
    if state in ProjectState.__members__:
        stmt = stmt.where(Project.state == ProjectState(state))
    page = paginate(stmt)
    return render_template("projects/list.html", page=page, state=state,
                           args={"state": state} if state else {}, states=list(ProjectState))


def _link_choices(form, project=None):
    """Fill the need and service choices of a project form; returns ``{service id:
    partner name}`` for grouping the services by partner."""
    keep_need = project.need_id if project is not None else None
    keep_services = [sv.id for sv in project.services] if project is not None else ()
    needs = services.linkable_needs(g.community.id, keep=keep_need)
    form.need_id.choices = choices([(0, _("None"))] + [(n.id, _need_choice(n)) for n in needs])
    offered = services.linkable_services(g.community.id, keep=keep_services)
    form.service_ids.choices = choices((sv.id, sv.name) for sv in offered)
    return {sv.id: sv.partner.name for sv in offered}


def _need_choice(need):

    text = need.description if len(need.description) <= 40 else need.description[:40] + "…"
    return f"#{need.id} {text}（{state_word(need.state)}）"


@bp.route("/projects/new", methods=["GET", "POST"])
@requires("admin", "council")
def project_new():
    form = ProjectForm()
    partner_of = _link_choices(form)

    def create(form):
        project = services.create_project(
            g.community, title=form.title.data, description=form.description.data,
            target_groups=form.target_groups.data, expected_activities=form.expected_activities.data,
            need_id=form.need_id.data or None, service_ids=form.service_ids.data,
            actor=current_user._get_current_object())
        return (_("Project %(title)s published.", title=project.title),
                url_for("projects.project_detail", project_id=project.id))

    return submit(form, create, fields={services.ProjectNeedInvalid: "need_id",
                                        services.ProjectServiceInvalid: "service_ids",
                                        CharityError: "title"},
                  render=lambda status: (render_template("projects/project_form.html", form=form,
                                                         partner_of=partner_of), status))


@bp.route("/projects/<id:project_id>/links", methods=["GET", "POST"])
@requires("admin", "council")
def project_links(project_id):
    project = get_scoped_or_404(Project, project_id)
    form = ProjectLinksForm()
    partner_of = _link_choices(form, project)
    if request.method == "GET":
        form.need_id.data = project.need_id or 0
        form.service_ids.data = [sv.id for sv in project.services]

    def save(form):
        services.set_project_links(project, need_id=form.need_id.data or None,
                                   service_ids=form.service_ids.data,
                                   actor=current_user._get_current_object())
        return _("The project's need and services are saved.")

    return submit(form, save, success=url_for("projects.project_detail", project_id=project.id),
                  fields={services.ProjectNeedInvalid: "need_id", CharityError: "service_ids"},
                  render=lambda status: (render_template("projects/project_form.html", form=form,
                                                         partner_of=partner_of, project=project), status))


def _claim_form():
    form = ClaimForm()
    led = team_access.my_led_team_ids() if has_role("leader") else set()
    rows = db.session.scalars(scoped(Team).where(Team.id.in_(led or {0})).order_by(Team.name)).all()
    form.team_id.choices = choices((str(t.id), t.name) for t in rows)
    return form


def _visible_activities(stmt):
    """Limit an activity query to what the current user may see."""
    if has_role(*STAFF):
        return stmt
    led = team_access.my_led_team_ids() if has_role("leader") else set()
    me = teams.volunteer_of(current_user, g.community)

    own = sa.select(Attendance.activity_id).where(Attendance.volunteer_id == (me.id if me else 0))
    return stmt.where(sa.or_(Activity.team_id.in_(led or {0}),
                             sa.and_(Activity.state.in_([ActivityState.verified, ActivityState.superseded]),
                                     Activity.id.in_(own))))


@bp.route("/projects/<id:project_id>")
@requires()
def project_detail(project_id):
    project = get_scoped_or_404(Project, project_id)
    stmt = sa.select(Activity).where(Activity.project_id == project.id).order_by(Activity.starts_at.desc())
    if not (project.team_id and team_access.can_manage_team(project.team_id)) and not has_role(*STAFF):
        stmt = stmt.where(Activity.state == ActivityState.verified)
    activities = db.session.scalars(stmt).all()
    claim_form = _claim_form() if project.state == ProjectState.published and has_role("leader") else None
    return render_template("projects/detail.html", project=project, activities=activities,
                           claim_form=claim_form, confirm_form=ConfirmForm(),
                           can_log=bool(project.team_id) and project.state == ProjectState.active
                           and has_role("admin", "leader") and team_access.can_manage_team(project.team_id),
                           history=_history("project", project.id))


def _history(object_type, object_id):
    if not has_role(*STAFF):
        return []
    return db.session.scalars(filtered_events(g.community, object_type=object_type,
                                              object_id=str(object_id)).limit(30)).all()


@bp.route("/projects/<id:project_id>/claim", methods=["POST"])
@requires("leader")
def project_claim(project_id):
    project = get_scoped_or_404(Project, project_id)
    form = _claim_form()
    if not form.validate_on_submit():
        if not form.team_id.choices:
            abort(403)  # leads no team
        abort(400)
    team = get_scoped_or_404(Team, int(form.team_id.data))
    if not team_access.can_manage_team(team.id):
        abort(403)
    return _project_step(project, "claim", team=team,
                         message=lambda: _("Claim sent: the service centre will confirm it."))


def _project_step(project, action, team=None, message=None):
    back = back_on_error(url_for("projects.project_detail", project_id=project.id))
    services.transition_project(project, action, team=team, actor=web.actor())
    flash(message() if message else _("The project is now %(state)s.",
                                      state=project_state_label(project.state)), "success")
    return redirect(back)


def _staff_step(project_id, action):
    project = get_scoped_or_404(Project, project_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _project_step(project, action)


@bp.route("/projects/<id:project_id>/confirm", methods=["POST"])
@requires("admin", "council")
def project_confirm(project_id):
    return _staff_step(project_id, "confirm")


@bp.route("/projects/<id:project_id>/decline", methods=["POST"])
@requires("admin", "council")
def project_decline(project_id):
    return _staff_step(project_id, "decline")


@bp.route("/projects/<id:project_id>/complete", methods=["POST"])
@requires("admin", "council")
def project_complete(project_id):
    return _staff_step(project_id, "complete")


@bp.route("/projects/<id:project_id>/cancel", methods=["POST"])
@requires("admin", "council")
def project_cancel(project_id):
    return _staff_step(project_id, "cancel")


# -- activities --------------------------------------------------------------------------


@bp.route("/activities")
@requires()
def activities():
    state = request.args.get("state", "")
    stmt = _visible_activities(scoped(Activity)).order_by(Activity.starts_at.desc(), Activity.id.desc())
    if state in ActivityState.__members__:
        stmt = stmt.where(Activity.state == ActivityState(state))
    page = paginate(stmt)
    return render_template("projects/activities.html", page=page, state=state, states=list(ActivityState),
                           args={"state": state} if state else {})


def can_view(activity):
    if has_role(*STAFF) or team_access.can_manage_team(activity.team_id):
        return True
    if activity.state not in (ActivityState.verified, ActivityState.superseded):
        return False
    me = teams.volunteer_of(current_user, g.community)
    return me is not None and any(a.volunteer_id == me.id for a in activity.attendance)


def _activity_for(activity_id, manage=False):
    activity = get_scoped_or_404(Activity, activity_id)
    allowed = team_access.can_manage_team(activity.team_id) if manage else can_view(activity)
    if not allowed:
        abort(403)
    return activity


def _roster_context(team_id, activity=None):
    team = db.session.get(Team, team_id)
    members = [m for m in team.members if m.left_on is None]
    if activity is not None:  # members who left since still show if they are on the roster
        on_roster = {a.volunteer_id for a in activity.attendance}
        members += [m for m in team.members if m.left_on is not None and m.volunteer_id in on_roster]
    member_ids = [m.volunteer_id for m in members]
    others = db.session.scalars(scoped(Volunteer).where(Volunteer.id.not_in(member_ids or [0]))
                                .order_by(Volunteer.name)).all()
    return team, members, others


def _form_values(form, activity, members, others):
    tz = local_zone()
    starts = datetime.combine(form.day.data, form.start.data)
    ends = datetime.combine(form.day.data, form.end.data)
    if ends <= starts:
        form.end.errors = list(form.end.errors) + [_("The end must be after the start.")]
        return None
    starts_at, ends_at = services.as_utc(starts, tz), services.as_utc(ends, tz)
    roster, errors = read_roster(request.form, [m.volunteer_id for m in members], {v.id for v in others},
                                 services.default_minutes(starts_at, ends_at))
    if errors:
        form.roster_errors = errors
        return None
    served = {g_: getattr(form, beneficiary_field_name(g_)).data or 0 for g_ in BeneficiaryGroup}
    return {"title": form.title.data, "kind": form.kind.data, "starts_at": starts_at, "ends_at": ends_at,
            "place": form.place.data, "description": form.description.data, "roster": roster,
            "beneficiaries": served}


def _render_activity_form(form, project, team, members, others, activity=None, status=200):
    roster = {a.volunteer_id: a.minutes for a in activity.attendance} if activity else {}
    if request.method == "POST":
        roster = _posted_roster(members)
    extras = [(v, m) for v, m in roster.items() if v not in {x.volunteer_id for x in members}]
    return render_template("projects/activity_form.html", form=form, project=project, team=team,
                           members=members, others=others, roster=roster, extras=extras,
                           extra_rows=EXTRA_ROWS, activity=activity,
                           roster_errors=getattr(form, "roster_errors", [])), status


def _posted_roster(members):
    """What the leader ticked and typed, to show the form again as it was sent."""
    roster = {}
    for m in members:
        if request.form.get(f"member-{m.volunteer_id}"):
            roster[m.volunteer_id] = request.form.get(f"hours-{m.volunteer_id}", "")
    return roster


@bp.route("/projects/<id:project_id>/activities/new", methods=["GET", "POST"])
@requires("admin", "leader")
def activity_new(project_id):
    project = get_scoped_or_404(Project, project_id)
    if project.team_id is None or not team_access.can_manage_team(project.team_id):
        abort(403)
    if project.state != ProjectState.active:
        flash(_("Activities can be logged only for a team's active project."), "danger")
        return redirect(url_for("projects.project_detail", project_id=project.id))
    team, members, others = _roster_context(project.team_id)
    form = ActivityForm()

    def create(form):
        values = _form_values(form, None, members, others)
        if values is None:
            return INVALID
        activity = services.create_activity(project, **values, actor=web.actor())
        return (_("Activity saved as a draft. You can add photos and the sign-in sheet, "
                  "then submit it for verification."),
                url_for("projects.activity_detail", activity_id=activity.id))

    return submit(form, create, fields={CharityError: "title"}, render=lambda status: _render_activity_form(
        form, project, team, members, others, status=status))


@bp.route("/activities/<id:activity_id>/edit", methods=["GET", "POST"])
@requires("admin", "leader")
def activity_edit(activity_id):
    activity = _activity_for(activity_id, manage=True)
    if not activity.editable:
        flash(_("This activity is %(state)s and can no longer be changed.",
                state=activity_state_label(activity.state)), "danger")
        return redirect(url_for("projects.activity_detail", activity_id=activity.id))
    team, members, others = _roster_context(activity.team_id, activity)
    form = ActivityForm(obj=activity)
    if request.method == "GET":
        tz = local_zone()
        form.day.data = activity.starts_at.astimezone(tz).date()
        form.start.data = activity.starts_at.astimezone(tz).time()
        form.end.data = activity.ends_at.astimezone(tz).time()
        form.kind.data = activity.kind.value
        served = {b.group: b.count for b in activity.beneficiaries}
        for group in BeneficiaryGroup:
            getattr(form, beneficiary_field_name(group)).data = served.get(group, 0)

    def save(form):
        values = _form_values(form, activity, members, others)
        if values is None:
            return INVALID
        services.update_activity(activity, **values, actor=web.actor())
        return _("Changes saved.")

    return submit(form, save, success=url_for("projects.activity_detail", activity_id=activity.id),
                  fields={CharityError: "title"}, render=lambda status: _render_activity_form(
                      form, activity.project, team, members, others, activity, status))


@bp.route("/activities/<id:activity_id>")
@requires()
def activity_detail(activity_id):
    return _render_detail(_activity_for(activity_id))


def _render_detail(activity, return_form=None, evidence_form=None, status=200):
    manage = team_access.can_manage_team(activity.team_id)
    amendments = db.session.scalars(sa.select(Activity).where(Activity.amends_id == activity.id)
                                    .order_by(Activity.id)).all()
    names = {a.volunteer_id: a.volunteer.name for a in activity.attendance}
    if activity.amends_id:
        names |= {a.volunteer_id: a.volunteer.name for a in activity.amends.attendance}
    return render_template(
        "projects/activity_detail.html", activity=activity, manage=manage, amendments=amendments,
        history=_history("activity", activity.id), confirm_form=ConfirmForm(),
        return_form=return_form or ReturnForm(formdata=None),
        evidence_form=evidence_form or EvidenceForm(formdata=None),
        difference=services.roster_difference(activity) if activity.amends_id else None,
        names=names), status


def _activity_step(activity, step, message, **kwargs):
    back = back_on_error(url_for("projects.activity_detail", activity_id=activity.id))
    step(activity, **kwargs)
    flash(message(), "success")
    return redirect(back)


@bp.route("/activities/<id:activity_id>/submit", methods=["POST"])
@requires("admin", "leader")
def activity_submit(activity_id):
    activity = _activity_for(activity_id, manage=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _activity_step(activity, lambda a: services.transition_activity(a, "submit", actor=web.actor()),
                          lambda: _("Submitted: the service centre will verify it."))


@bp.route("/activities/<id:activity_id>/verify", methods=["POST"])
@requires("admin")
def activity_verify(activity_id):
    activity = get_scoped_or_404(Activity, activity_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _activity_step(activity, lambda a: services.verify_activity(a, actor=web.actor()),
                          lambda: _("Activity verified."))


@bp.route("/activities/<id:activity_id>/return", methods=["POST"])
@requires("admin")
def activity_return(activity_id):
    activity = get_scoped_or_404(Activity, activity_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _render_detail(activity, return_form=form, status=422)
    return _activity_step(
        activity,
        lambda a: services.transition_activity(a, "return", reason=form.reason.data, actor=web.actor()),
        lambda: _("Returned to the team with your reason."))


@bp.route("/activities/<id:activity_id>/amend", methods=["POST"])
@requires("admin", "leader")
def activity_amend(activity_id):
    activity = _activity_for(activity_id, manage=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back_on_error(url_for("projects.activity_detail", activity_id=activity.id))
    copy = services.amend_activity(activity, actor=web.actor())
    flash(_("Correction started: change what was wrong, then submit it for verification."), "success")
    return redirect(url_for("projects.activity_edit", activity_id=copy.id))


# -- evidence ----------------------------------------------------------------------------


@bp.route("/activities/<id:activity_id>/evidence", methods=["POST"])
@requires("admin", "leader")
def evidence_add(activity_id):
    activity = _activity_for(activity_id, manage=True)
    form = EvidenceForm()

    def add(form):
        upload = form.file.data
        data = upload.stream.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
        evidence = services.add_evidence(activity, data=data, filename=upload.filename, actor=web.actor())
        transaction.on_rollback(partial(uploads.remove, evidence.stored_name))  # no row, no file
        return _("File added.")

    return submit(form, add, success=url_for("projects.activity_detail", activity_id=activity.id),
                  fields={CharityError: "file"}, render=lambda status: _render_detail(
                      db.session.get(Activity, activity.id), evidence_form=form, status=status))


def _evidence_for(evidence_id):
    evidence = db.session.scalar(sa.select(Evidence).join(Activity, Activity.id == Evidence.activity_id)
                                 .where(Evidence.id == evidence_id, Activity.community_id == g.community.id))
    if evidence is None:
        abort(404)
    return evidence


@bp.route("/evidence/<id:evidence_id>")
@requires()
def evidence_file(evidence_id):
    evidence = _evidence_for(evidence_id)
    if not can_view(evidence.activity):
        abort(403)
    return uploads.send_stored(evidence.stored_name, evidence.content_type, evidence.original_name,
                               inline=evidence.is_image)


@bp.route("/evidence/<id:evidence_id>/remove", methods=["POST"])
@requires("admin", "leader")
def evidence_remove(evidence_id):
    evidence = _evidence_for(evidence_id)
    activity = evidence.activity
    if not team_access.can_manage_team(activity.team_id):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = back_on_error(url_for("projects.activity_detail", activity_id=activity.id))
    unused = services.remove_evidence(evidence, actor=web.actor())
    if unused:  # the file goes once no row points to it any more
        transaction.on_commit(partial(uploads.remove, unused))
    flash(_("File removed."), "success")
    return redirect(back)

