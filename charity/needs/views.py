"""The needs list, matching, and council meetings with their minutes (PDF)."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from charity.accounts.access import get_scoped_or_404, requires
from charity.accounts.forms import ConfirmForm, choices
from charity.audit.services import filtered_events
from charity.errors import CharityError
from charity.extensions import db
from charity.formatting import date_long, datetime_local
from charity.models_base import local_today, utcnow
from charity.needs import services
from charity.needs.forms import MatchForm, MeetingForm, NeedForm, NeedSearchForm, TransitionForm
from charity.needs.models import CouncilMeeting, Need, NeedState, Urgency
from charity.needs.pdf import render_minutes
from charity.pagination import paginate, query_args
from charity.partners import services as partner_services
from charity.partners.models import BeneficiaryGroup, Partner, PartnerStatus, Service
from charity.projects.models import Project
from charity.teams.models import Team
from charity.web import back_on_error, submit

bp = Blueprint("needs", __name__, url_prefix="/needs")


@bp.app_template_filter("need_target")
def need_target(need):
    """What a need is matched to ("partner · service" or the team), in words."""
    return services.match_target(need) or "—"

READERS = ("admin", "council", "auditor")
WRITERS = ("admin", "council")


def _actor():
    return current_user._get_current_object()


@bp.route("/")
@requires(*READERS)
def index():
    form = NeedSearchForm(request.args)
    form.validate()
    stmt = sa.select(Need).where(Need.community_id == g.community.id)
    if form.state.data and not form.state.errors:
        stmt = stmt.where(Need.state == NeedState(form.state.data))
    if form.group.data and not form.group.errors:
        stmt = stmt.where(Need.group == BeneficiaryGroup(form.group.data))
    if form.urgency.data and not form.urgency.errors:
        stmt = stmt.where(Need.urgency == Urgency(form.urgency.data))
    urgency_order = sa.case({"high": 0, "normal": 1, "low": 2}, value=Need.urgency)
    page = paginate(stmt.order_by(urgency_order, Need.id.desc()))
    return render_template("needs/index.html", page=page, form=form, args=query_args(form))


@bp.route("/new", methods=["GET", "POST"])
@requires(*WRITERS)
def new():
    form = NeedForm()
    form.category_id.choices = choices((c.id, c.name) for c in partner_services.categories(g.community))

    def create(form):
        need = services.create_need(g.community, form.data, actor=_actor())
        return _("Need recorded."), url_for("needs.detail", need_id=need.id)

    return submit(form, create,
                  fields={services.ConsentMissing: "consent_recorded", CharityError: "description"},
                  render=lambda status: (render_template("needs/need_form.html", form=form), status))


def _match_form(submitted=True):
    form = MatchForm() if submitted else MatchForm(formdata=None)
    offered = db.session.scalars(
        sa.select(Service).join(Service.partner)
        .where(Service.community_id == g.community.id, Service.active.is_(True),
               Partner.status == PartnerStatus.active)
        .order_by(Partner.name, Service.name)).all()
    form.service_id.choices = choices([(0, _("No service"))]
                                      + [(s.id, f"{s.partner.name} · {s.name}（{s.category.name}）")
                                         for s in offered])
    teams = db.session.scalars(sa.select(Team).where(Team.community_id == g.community.id)
                               .order_by(Team.name)).all()
    form.team_id.choices = choices([(0, _("No team"))] + [(t.id, t.name) for t in teams])
    meetings = db.session.scalars(sa.select(CouncilMeeting)
                                  .where(CouncilMeeting.community_id == g.community.id)
                                  .order_by(CouncilMeeting.held_on.desc()).limit(20)).all()
    form.meeting_id.choices = choices([(0, _("Not at a meeting"))]
                                      + [(m.id, f"{date_long(m.held_on)} {m.title}") for m in meetings])
    return form


def _render_need(need, match_form=None, transition_form=None, status=200):
    history = db.session.scalars(filtered_events(g.community, object_type="need",
                                                 object_id=str(need.id)).limit(20)).all()

    projects = db.session.scalars(sa.select(Project).where(Project.community_id == g.community.id,
                                                           Project.need_id == need.id)
                                  .order_by(Project.id)).all()
    return render_template("needs/detail.html", need=need, projects=projects,
                           actions=services.allowed_actions(need),
                           match_form=match_form or _match_form(submitted=False),
                           transition_form=transition_form or TransitionForm(formdata=None),
                           history=history), status


@bp.route("/<id:need_id>")
@requires(*READERS)
def detail(need_id):
    return _render_need(get_scoped_or_404(Need, need_id))


@bp.route("/<id:need_id>/match", methods=["POST"])
@requires(*WRITERS)
def match(need_id):
    need = get_scoped_or_404(Need, need_id)
    form = _match_form()

    def match_it(form):
        services.transition(need, "match", service_id=form.service_id.data or None,
                            team_id=form.team_id.data or None, note=form.note.data,
                            meeting_id=form.meeting_id.data or None, actor=_actor())
        return _("The need is matched to %(service)s.", service=services.match_target(need))

    return submit(form, match_it, success=url_for("needs.detail", need_id=need.id),
                  fields={services.IllegalNeedTransition: None, CharityError: "service_id"},
                  render=lambda status: _render_need(need, match_form=form, status=status))


@bp.route("/<id:need_id>/transition", methods=["POST"])
@requires(*WRITERS)
def transition(need_id):
    need = get_scoped_or_404(Need, need_id)
    form = TransitionForm()
    if not form.validate_on_submit() or form.action.data not in services.ACTIONS \
            or form.action.data == "match":
        abort(400)

    def step(form):
        services.transition(need, form.action.data, reason=form.reason.data, actor=_actor())
        return _("The need is now %(state)s.", state=services.state_word(need.state))

    return submit(form, step, success=url_for("needs.detail", need_id=need.id),
                  fields={services.IllegalNeedTransition: None, CharityError: "reason"},
                  render=lambda status: _render_need(need, transition_form=form, status=status))


# -- council meetings -------------------------------------------------------------------------


@bp.route("/meetings")
@requires(*READERS)
def meetings():
    page = paginate(sa.select(CouncilMeeting).where(CouncilMeeting.community_id == g.community.id)
                    .order_by(CouncilMeeting.held_on.desc(), CouncilMeeting.id.desc()))
    approved = {v.meeting_id: v for v in partner_services.versions(g.community)}
    return render_template("needs/meetings.html", page=page, args={}, approved=approved)


@bp.route("/meetings/new", methods=["GET", "POST"])
@requires(*WRITERS)
def meeting_new():
    form = MeetingForm()
    form.user_ids.choices = choices((u.id, u.display_name) for u in services.council_members(g.community))
    partners = db.session.scalars(sa.select(Partner).where(
        Partner.community_id == g.community.id, Partner.status == PartnerStatus.active)
        .order_by(Partner.name)).all()
    form.partner_ids.choices = choices((p.id, p.name) for p in partners)
    if request.method == "GET":
        form.held_on.data = local_today()

    def create(form):
        meeting = services.create_meeting(g.community, form.data, actor=_actor())
        return _("Meeting recorded."), url_for("needs.meeting_detail", meeting_id=meeting.id)

    return submit(form, create, fields={CharityError: "title"},
                  render=lambda status: (render_template("needs/meeting_form.html", form=form), status))


def _meeting_or_404(meeting_id):
    return get_scoped_or_404(CouncilMeeting, meeting_id)


@bp.route("/meetings/<id:meeting_id>")
@requires(*READERS)
def meeting_detail(meeting_id):

    meeting = _meeting_or_404(meeting_id)
    version = db.session.scalar(sa.select(partner_services.ResourceListVersion)
                                .where(partner_services.ResourceListVersion.meeting_id == meeting.id))
    return render_template("needs/meeting_detail.html", meeting=meeting, version=version,
                           matched=services.matched_at(meeting), confirm_form=ConfirmForm())


@bp.route("/meetings/<id:meeting_id>/approve-list", methods=["POST"])
@requires(*WRITERS)
def approve_list(meeting_id):

    meeting = _meeting_or_404(meeting_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = back_on_error(url_for("needs.meeting_detail", meeting_id=meeting.id))
    version = partner_services.approve_resource_list(meeting, actor=_actor())
    flash(_("Version %(number)s of the resource service list is approved.", number=version.number),
          "success")
    return redirect(back)


@bp.route("/meetings/<id:meeting_id>/minutes.pdf")
@requires(*READERS)
def minutes_pdf(meeting_id):

    meeting = _meeting_or_404(meeting_id)
    version = db.session.scalar(sa.select(partner_services.ResourceListVersion)
                                .where(partner_services.ResourceListVersion.meeting_id == meeting.id))
    generated = _("Generated %(when)s by %(who)s", when=datetime_local(utcnow()),
                  who=current_user.display_name)
    pdf = render_minutes(g.community, meeting, services.matched_at(meeting), version, generated)
    return pdf, 200, {"Content-Type": "application/pdf",
                      "Content-Disposition": f'inline; filename="minutes-{meeting.held_on.isoformat()}.pdf"'}
