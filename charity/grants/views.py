"""Grant rounds, applications, review, council decision and objections (steps 1–4).

Who may reach what: staff (admin), council and auditors read every round and
application; an expert reviewer only the rounds on whose panel they sit (any other
round or application is a 404 to them); a leader the rounds and their own team's
applications. Writes are checked again by the services.
"""

from urllib.parse import quote

import sqlalchemy as sa
from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from charity.accounts.access import get_scoped_or_404, has_role, requires
from charity.accounts.forms import ConfirmForm, choices
from charity.accounts.models import Role
from charity.audit.services import filtered_events
from charity.errors import CharityError
from charity.extensions import db
from charity.grants import applications, bp, notice, panels, review, rounds, summary, workflow
from charity.grants import council as council_vote
from charity.grants.forms import (
    BUDGET_ROWS,
    CRITERIA_ROWS,
    ApplicationForm,
    AttachmentForm,
    ChairForm,
    ConflictForm,
    ResolveForm,
    ReviewerForm,
    RoundForm,
    StepForm,
    score_form,
    vote_form,
)
from charity.grants.labels import OUTCOME_LABELS, register_filters
from charity.grants.models import (
    Application,
    ApplicationAttachment,
    ApplicationState,
    GrantRound,
    Objection,
    ReviewerKind,
    RoundReviewer,
)
from charity.models_base import local_today
from charity.needs.models import CouncilMeeting
from charity.pagination import paginate
from charity.partners.models import Partner
from charity.projects import uploads
from charity.teams.models import Team
from charity.teams.services import led_team_ids
from charity.web import back_on_error, submit

READERS = ("admin", "council", "auditor")
#: Everyone who has some business with grants; each view narrows it further.
ALL = ("admin", "council", "auditor", "leader", "expert")
PANEL = ("admin", "council", "expert")


@bp.record
def _filters(state):
    register_filters(state.app)


def _user():
    return current_user._get_current_object()


def _round_or_404(round_id):
    rnd = get_scoped_or_404(GrantRound, round_id)
    if not panels.can_see_round(rnd, current_user, g.roles, g.community):
        abort(404)
    return rnd


def _application_or_404(application_id):
    application = get_scoped_or_404(Application, application_id)
    if not panels.can_see_application(application, current_user, g.roles, g.community):
        abort(404)
    return application


def _visible_applications(rnd):
    stmt = sa.select(Application).where(Application.round_id == rnd.id)
    if panels.can_read_all(g.roles):
        return stmt
    conds = []
    if Role.expert in g.roles and rnd.id in panels.panel_round_ids(current_user, g.community):
        conds.append(Application.state != ApplicationState.draft)
    if Role.leader in g.roles:
        conds.append(Application.team_id.in_(led_team_ids(current_user, g.community) or {0}))
    return stmt.where(sa.or_(*conds)) if conds else stmt.where(sa.false())


# -- rounds --------------------------------------------------------------------------------

@bp.route("/")
@requires(*ALL)
def index():
    stmt = sa.select(GrantRound).where(GrantRound.community_id == g.community.id)
    if not panels.can_read_all(g.roles) and Role.leader not in g.roles:
        stmt = stmt.where(GrantRound.id.in_(panels.panel_round_ids(current_user, g.community) or {0}))
    page = paginate(stmt.order_by(GrantRound.opens_on.desc(), GrantRound.id.desc()))
    mine = []
    if Role.leader in g.roles:
        ids = led_team_ids(current_user, g.community)
        if ids:
            mine = db.session.scalars(sa.select(Application).where(
                Application.community_id == g.community.id, Application.team_id.in_(ids))
                .order_by(Application.id.desc()).limit(20)).all()
    return render_template("grants/index.html", page=page, mine=mine, today=local_today())


def _round_form(rnd=None, submitted=True):
    if submitted:
        return RoundForm()
    if rnd is None:
        form = RoundForm(formdata=None)
        form.criteria.entries.clear()
        form.criteria.last_index = -1
        rows = [(str(n), str(d), w) for n, d, w in rounds.DEFAULT_CRITERIA]
    else:
        form = RoundForm(formdata=None, obj=rnd)
        form.cap.data = f"{rnd.cap_fen / 100:.2f}"
        form.max_per_application.data = f"{rnd.max_per_application_fen / 100:.2f}"
        form.quorum_rule.data = rnd.quorum_rule.value
        form.criteria.entries.clear()
        form.criteria.last_index = -1
        rows = [(c.name, c.description, c.weight) for c in rnd.criteria]
    for name, description, weight in rows[:CRITERIA_ROWS]:
        form.criteria.append_entry({"name": name, "description": description, "weight": weight})
    while len(form.criteria.entries) < CRITERIA_ROWS:
        form.criteria.append_entry()
    return form


@bp.route("/rounds/new", methods=["GET", "POST"])
@requires("admin")
def round_new():
    form = _round_form(submitted=request.method == "POST")

    def create(form):
        rnd = rounds.create_round(g.community, form.round_data(), criteria=form.criteria_rows(),
                                  actor=_user())
        return (_("Round created. Now put the review panel together."),
                url_for("grants.round_detail", round_id=rnd.id))

    return submit(form, create, fields={CharityError: "name"}, render=lambda status: (
        render_template("grants/round_form.html", form=form, rnd=None), status))


@bp.route("/rounds/<id:round_id>/edit", methods=["GET", "POST"])
@requires("admin")
def round_edit(round_id):
    rnd = get_scoped_or_404(GrantRound, round_id)
    form = _round_form(rnd, submitted=request.method == "POST")

    def save(form):
        rounds.update_round(rnd, form.round_data(), criteria=form.criteria_rows(), actor=_user())
        return _("Round saved.")

    return submit(form, save, success=url_for("grants.round_detail", round_id=rnd.id),
                  fields={CharityError: "name"}, render=lambda status: (
                      render_template("grants/round_form.html", form=form, rnd=rnd), status))


def _reviewer_forms(rnd, submitted=None):
    on_panel = {r.user_id for r in rnd.reviewers}
    forms = {}
    for kind, role in ((ReviewerKind.council, Role.council), (ReviewerKind.expert, Role.expert)):
        form = ReviewerForm(prefix=kind.value) if submitted == kind else ReviewerForm(prefix=kind.value,
                                                                                      formdata=None)
        form.user_id.choices = choices((u.id, u.display_name) for u in panels.holders_of(g.community, role)
                                       if u.id not in on_panel)
        forms[kind] = form
    chair = ChairForm(formdata=None)
    chair.user_id.choices = choices([(0, _("No chair (staff close scoring)"))]
                                    + [(r.user_id, r.user.display_name) for r in rnd.reviewers])
    chair.user_id.data = rnd.chair_id or 0
    return forms, chair


def _render_round(rnd, forms=None, status=200):
    reviewer_forms, chair_form = _reviewer_forms(rnd)
    if forms:
        reviewer_forms.update(forms)
    page = paginate(_visible_applications(rnd).order_by(Application.id))
    teams = applications.teams_led(current_user, g.community) if has_role("leader") else []
    return render_template("grants/round_detail.html", rnd=rnd, page=page, reviewer_forms=reviewer_forms,
                           chair_form=chair_form, teams=teams, is_open=rounds.is_open(rnd),
                           on_panel=panels.reviewer_row(rnd, current_user) is not None,
                           took_part=panels.took_part(rnd), confirm_form=ConfirmForm(formdata=None)), status


@bp.route("/rounds/<id:round_id>")
@requires(*ALL)
def round_detail(round_id):
    return _render_round(_round_or_404(round_id))


@bp.route("/rounds/<id:round_id>/panel/<kind>", methods=["POST"])
@requires("admin")
def panel_add(round_id, kind):
    rnd = get_scoped_or_404(GrantRound, round_id)
    try:
        kind = ReviewerKind(kind)
    except ValueError:
        abort(404)
    forms, _chair = _reviewer_forms(rnd, submitted=kind)
    form = forms[kind]

    def add(form):
        row = panels.add_reviewer(rnd, form.user_id.data, kind=kind, affiliation=form.affiliation.data,
                                  actor=_user())
        return _("%(name)s is on the panel.", name=row.user.display_name)

    return submit(form, add, success=url_for("grants.round_detail", round_id=rnd.id) + "#panel",
                  fields={CharityError: "user_id"},
                  render=lambda status: _render_round(rnd, forms={kind: form}, status=status))


@bp.route("/rounds/<id:round_id>/panel/<id:reviewer_id>/remove", methods=["POST"])
@requires("admin")
def panel_remove(round_id, reviewer_id):
    rnd = get_scoped_or_404(GrantRound, round_id)
    row = db.session.scalar(sa.select(RoundReviewer).where(RoundReviewer.id == reviewer_id,
                                                           RoundReviewer.round_id == rnd.id))
    if row is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = back_on_error(url_for("grants.round_detail", round_id=rnd.id) + "#panel")
    panels.remove_reviewer(row, actor=_user())
    flash(_("Removed from the panel."), "success")
    return redirect(back)


@bp.route("/rounds/<id:round_id>/chair", methods=["POST"])
@requires("admin")
def panel_chair(round_id):
    rnd = get_scoped_or_404(GrantRound, round_id)
    form = ChairForm()
    form.user_id.choices = choices([(0, "")] + [(r.user_id, r.user.display_name) for r in rnd.reviewers])
    if not form.validate_on_submit():
        return _render_round(rnd, status=422)
    back = back_on_error(url_for("grants.round_detail", round_id=rnd.id) + "#panel")
    panels.set_chair(rnd, form.user_id.data or None, actor=_user())
    flash(_("Chair saved."), "success")
    return redirect(back)


@bp.route("/rounds/<id:round_id>/summary.pdf")
@requires(*READERS)
def round_summary_pdf(round_id):
    rnd = get_scoped_or_404(GrantRound, round_id)
    data = summary.round_summary(rnd, generated_by=current_user.display_name)
    body = summary.render_round_summary(data)
    name = f"grant-round-{rnd.id}.pdf"
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename={name}; filename*=UTF-8''{quote(name)}"})


# -- applications --------------------------------------------------------------------------

def _application_form(application=None, submitted=True):
    if submitted:
        form = ApplicationForm()
    else:
        form = ApplicationForm(formdata=None, obj=application)
        form.lines.entries.clear()
        form.lines.last_index = -1
        for ln in application.budget_lines if application else []:
            form.lines.append_entry({"item": ln.item, "quantity": ln.quantity,
                                     "unit_cost": f"{ln.unit_cost_fen / 100:.2f}",
                                     "partner_id": ln.partner_id or 0})
        while len(form.lines.entries) < BUDGET_ROWS:
            form.lines.append_entry()
        if application is not None:
            form.target_groups.data = [gr.value for gr in application.group_list]
    partners = db.session.scalars(sa.select(Partner).where(Partner.community_id == g.community.id)
                                  .order_by(Partner.name)).all()
    for row in form.lines:
        row.form.partner_id.choices = choices([(0, "—")] + [(p.id, p.name) for p in partners])
    return form


def _lead_team_or_404(team_id):
    team = get_scoped_or_404(Team, team_id)
    if team.id not in led_team_ids(current_user, g.community):
        abort(404)
    return team


@bp.route("/rounds/<id:round_id>/apply/<id:team_id>", methods=["GET", "POST"])
@requires("leader")
def application_new(round_id, team_id):
    rnd = get_scoped_or_404(GrantRound, round_id)
    team = _lead_team_or_404(team_id)
    form = _application_form(submitted=request.method == "POST")

    def create(form):
        application = applications.create_application(rnd, team, form.data, form.line_inputs(), actor=_user())
        return (_("Draft saved. Attach documents if needed, then submit it."),
                url_for("grants.application_detail", application_id=application.id))

    return submit(form, create, fields={CharityError: "title"}, render=lambda status: (
        render_template("grants/application_form.html", form=form, rnd=rnd, team=team,
                        application=None), status))


@bp.route("/applications/<id:application_id>/edit", methods=["GET", "POST"])
@requires("leader")
def application_edit(application_id):
    application = _application_or_404(application_id)
    _lead_team_or_404(application.team_id)
    form = _application_form(application, submitted=request.method == "POST")

    def save(form):
        applications.update_application(application, form.data, form.line_inputs(), actor=_user())
        return _("Application saved.")

    return submit(form, save, success=url_for("grants.application_detail", application_id=application.id),
                  fields={CharityError: "title"}, render=lambda status: (
                      render_template("grants/application_form.html", form=form, rnd=application.round,
                                      team=application.team, application=application), status))


def _render_application(application, status=200, **forms):
    status_of_scores = review.scoring_status(application)
    me = current_user._get_current_object()
    on_panel = panels.reviewer_row(application.round, me) is not None
    my_declaration = review.declaration(application, me) if on_panel else None
    my_sheet = next((s for s in review.sheets_of(application) if s.user_id == me.id), None)
    council = panels.holders_of(g.community, Role.council)
    vf = forms.get("vote") or vote_form(council, formdata=None)
    vf.meeting_id.choices = choices((m.id, f"{m.held_on} {m.title}")
                                    for m in council_vote.meetings_for_vote(g.community))
    sf = forms.get("score") or score_form(application.round.criteria, formdata=None)
    objections = notice.objections_of(application) if has_role(*READERS) else []
    history = db.session.scalars(filtered_events(g.community, object_type="grant_application",
                                                 object_id=str(application.id)).limit(30)).all() \
        if has_role(*READERS) else []
    is_leader = application.team_id in led_team_ids(me, g.community)
    return render_template(
        "grants/application_detail.html", application=application,
        steps=applications.allowed_steps(application),
        scoring=status_of_scores, on_panel=on_panel, my_declaration=my_declaration, my_sheet=my_sheet,
        decisions=council_vote.decisions_of(application), votes=council_vote.votes_of(application),
        objections=objections, history=history, is_leader=is_leader,
        is_chair=application.round.chair_id == me.id,
        step_form=forms.get("step") or StepForm(formdata=None),
        attachment_form=forms.get("attachment") or AttachmentForm(formdata=None),
        conflict_form=forms.get("conflict") or ConflictForm(formdata=None),
        score_form=sf, vote_form=vf, resolve_form=forms.get("resolve") or ResolveForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        known_conflicts=review.known_conflicts(application, me) if on_panel else [],
        today=local_today()), status


@bp.route("/applications/<id:application_id>")
@requires(*ALL)
def application_detail(application_id):
    return _render_application(_application_or_404(application_id))


@bp.route("/applications/<id:application_id>/attachments", methods=["POST"])
@requires("leader")
def attachment_add(application_id):
    application = _application_or_404(application_id)
    _lead_team_or_404(application.team_id)
    form = AttachmentForm()

    def attach(form):
        upload = form.file.data
        applications.add_attachment(application, upload.read(), upload.filename, actor=_user())
        return _("File attached.")

    return submit(form, attach, success=url_for("grants.application_detail", application_id=application.id),
                  fields={CharityError: "file"},
                  render=lambda status: _render_application(application, status=status, attachment=form))


@bp.route("/attachments/<id:attachment_id>")
@requires(*ALL)
def attachment_file(attachment_id):
    row = db.session.get(ApplicationAttachment, attachment_id)
    if row is None:
        abort(404)
    _application_or_404(row.application_id)
    return uploads.send_stored(row.stored_name, row.content_type, row.original_name)


@bp.route("/applications/<id:application_id>/step", methods=["POST"])
@requires("admin", "leader")
def application_step(application_id):
    application = _application_or_404(application_id)
    form = StepForm()

    def step(form):
        action = form.action.data
        if action in applications.LEADER_STEPS:
            applications.team_step(application, action, actor=_user())
        elif action in applications.STAFF_STEPS and has_role("admin"):
            applications.staff_step(application, action, actor=_user(), info_request=form.info_request.data,
                                    notice_start=form.notice_start.data)
        else:
            abort(403)
        return _("The application is now %(state)s.", state=workflow.STATE_NAMES[application.state])

    return submit(form, step, success=url_for("grants.application_detail", application_id=application.id),
                  fields={CharityError: "info_request"}, invalid_status=400,
                  render=lambda status: _render_application(application, status=status, step=form))


# -- review ----------------------------------------------------------------------------------

@bp.route("/applications/<id:application_id>/conflict", methods=["POST"])
@requires(*PANEL)
def conflict(application_id):
    application = _application_or_404(application_id)
    form = ConflictForm()

    def declare(form):
        review.declare_conflict(application, _user(), form.kind.data, form.reason.data)
        return _("Declaration recorded.")

    return submit(form, declare,
                  success=url_for("grants.application_detail", application_id=application.id) + "#review",
                  fields={CharityError: "kind"},
                  render=lambda status: _render_application(application, status=status, conflict=form))


@bp.route("/applications/<id:application_id>/score", methods=["POST"])
@requires(*PANEL)
def score(application_id):
    application = _application_or_404(application_id)
    form = score_form(application.round.criteria)

    def record(form):
        review.submit_scores(application, _user(), form.points(), form.remarks(), form.comment.data)
        return _("Scores recorded.")

    return submit(form, record,
                  success=url_for("grants.application_detail", application_id=application.id) + "#review",
                  fields={CharityError: "comment"},
                  render=lambda status: _render_application(application, status=status, score=form))


@bp.route("/applications/<id:application_id>/close-scoring", methods=["POST"])
@requires(*PANEL)
def close_scoring(application_id):
    application = _application_or_404(application_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = back_on_error(url_for("grants.application_detail", application_id=application.id) + "#review")
    review.close_scoring(application, actor=_user(), roles=g.roles)
    flash(_("Scoring closed."), "success")
    return redirect(back)


@bp.route("/applications/<id:application_id>/vote", methods=["POST"])
@requires("admin", "council")
def vote(application_id):
    application = _application_or_404(application_id)
    council = panels.holders_of(g.community, Role.council)
    form = vote_form(council)
    form.meeting_id.choices = choices((m.id, m.title) for m in council_vote.meetings_for_vote(g.community))

    def record(form):
        meeting = get_scoped_or_404(CouncilMeeting, form.meeting_id.data)
        decision = council_vote.record_votes(application, meeting, form.votes(),
                                             approved_fen=form.approved_fen(),
                                             conditions=form.conditions.data, actor=_user())
        return _("Votes recorded: %(outcome)s.", outcome=OUTCOME_LABELS[decision.outcome])

    return submit(form, record,
                  success=url_for("grants.application_detail", application_id=application.id) + "#decision",
                  fields={CharityError: "meeting_id"},
                  render=lambda status: _render_application(application, status=status, vote=form))


@bp.route("/objections/<id:objection_id>/resolve", methods=["POST"])
@requires("admin", "council")
def objection_resolve(objection_id):
    objection = get_scoped_or_404(Objection, objection_id)
    form = ResolveForm()
    if not form.validate_on_submit():
        return _render_application(objection.application, status=422, resolve=form)
    back = back_on_error(url_for("grants.application_detail", application_id=objection.application_id)
                         + "#objections")
    notice.resolve_objection(objection, form.outcome.data, form.resolution.data, actor=_user())
    flash(_("Objection resolved."), "success")
    return redirect(back)
