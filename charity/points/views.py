"""Points pages. Volunteers (and leaders, who serve too) see their own points, redeem
them and print their passbook; leaders see their team's points; every member sees the
leaderboard; merchants fulfil codes of their own services and print their settlement;
staff set the rules, adjust, redeem on behalf, issue certificates and watch expiry
(those pages, and the public certificate check that shows only a masked name, hours and
dates, are in :mod:`charity.points.views_staff`).
"""

import segno
import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from charity.accounts.access import get_scoped_or_404, has_role, requires, scoped
from charity.errors import CharityError
from charity.extensions import db
from charity.models_base import utcnow
from charity.pagination import paginate
from charity.partners.models import Partner, Service
from charity.points import ledger, records, redemptions
from charity.points import rules as point_rules
from charity.points.errors import NoVolunteerRecord
from charity.points.forms import (
    ActionForm,
    ConfirmCodeForm,
    MonthForm,
    RedeemForm,
)
from charity.points.labels import ENTRY_KIND_NAMES, REDEMPTION_STATE_NAMES
from charity.points.models import (
    Certificate,
    PointAccount,
    Redemption,
    RedemptionState,
)
from charity.points.pdf import render_passbook, render_settlement
from charity.teams.access import my_led_team_ids
from charity.teams.models import Team, TeamMember, Volunteer
from charity.teams.services import volunteer_of
from charity.web import back_on_error, submit

bp = Blueprint("points", __name__, url_prefix="/points")

STAFF = ("admin", "council", "auditor")
SERVING = ("volunteer", "leader")
LEADERBOARD_SIZE = 50


def actor():
    return current_user._get_current_object()


@bp.app_context_processor
def _labels():
    return {"entry_kind_names": ENTRY_KIND_NAMES, "redemption_state_names": REDEMPTION_STATE_NAMES,
            "format_code": redemptions.format_code}


def _me():
    volunteer = volunteer_of(actor(), g.community)
    if volunteer is None:
        raise NoVolunteerRecord()
    return volunteer


def level_of(account):
    thresholds = point_rules.settings_for(g.community).thresholds
    stars, next_hours = point_rules.level_for(account.lifetime_minutes, thresholds)
    return {"stars": stars, "max": len(thresholds), "next_hours": next_hours,
            "hours": account.lifetime_minutes / 60}


def qr_svg(text):
    """An inline SVG QR code (no external request, works offline)."""
    return segno.make(text, error="m").svg_inline(scale=5, border=2, dark="#1b1b1b")


# --- hub -------------------------------------------------------------------------------

@bp.route("/")
@requires()
def index():
    """Staff: the community's accounts; others go to the page they use."""
    if not has_role(*STAFF):
        if has_role("merchant") and not has_role(*SERVING):
            return redirect(url_for("points.merchant"))
        return redirect(url_for("points.mine"))
    totals = db.session.execute(sa.select(
        sa.func.count(PointAccount.id), sa.func.coalesce(sa.func.sum(PointAccount.balance), 0),
        sa.func.coalesce(sa.func.sum(PointAccount.held), 0),
        sa.func.coalesce(sa.func.sum(PointAccount.lifetime_minutes), 0))
        .where(PointAccount.community_id == g.community.id)).one()
    page = paginate(sa.select(PointAccount).join(Volunteer, Volunteer.id == PointAccount.volunteer_id)
                    .where(PointAccount.community_id == g.community.id)
                    .options(joinedload(PointAccount.volunteer)).order_by(Volunteer.name, PointAccount.id))
    held = db.session.scalars(scoped(Redemption).where(Redemption.state == RedemptionState.held)
                              .order_by(Redemption.hold_until).limit(20)).all()
    teams = db.session.scalars(scoped(Team).order_by(Team.name)).all()
    return render_template("points/index.html", totals=totals, page=page, held=held, teams=teams)


# --- my points -------------------------------------------------------------------------

@bp.route("/me")
@requires(*SERVING)
def mine():
    volunteer = volunteer_of(actor(), g.community)
    if volunteer is None:
        return render_template("points/mine.html", volunteer=None)
    account = ledger.account_for(volunteer)
    pending = db.session.scalars(sa.select(Redemption).where(
        Redemption.account_id == account.id, Redemption.state == RedemptionState.held)
        .order_by(Redemption.created_at.desc())).all()
    certificates = db.session.scalars(sa.select(Certificate).where(Certificate.volunteer_id == volunteer.id)
                                      .order_by(Certificate.id.desc())).all()
    led = my_led_team_ids() or {0}
    teams = db.session.scalars(scoped(Team).where(Team.id.in_(led)).order_by(Team.name)).all()
    return render_template("points/mine.html", volunteer=volunteer, account=account, level=level_of(account),
                           page=paginate(ledger.history_query(account)), pending=pending,
                           certificates=certificates, opt_form=ActionForm(), teams=teams)


@bp.route("/me/leaderboard", methods=["POST"])
@requires(*SERVING)
def opt_out():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    back = back_on_error(url_for("points.mine"))
    account = ledger.account_for(_me())
    ledger.set_opt_out(account, not account.leaderboard_opt_out, actor=actor())
    flash(_("You are no longer shown on the leaderboard.") if account.leaderboard_opt_out
          else _("You are shown on the leaderboard again."), "success")
    return redirect(back)


@bp.route("/me/passbook.pdf")
@requires(*SERVING)
def passbook_pdf():
    try:
        volunteer = _me()
    except NoVolunteerRecord:
        abort(404)
    return passbook_response(volunteer)


def passbook_response(volunteer):
    pdf = render_passbook(records.build_passbook(volunteer, generated_by=current_user.display_name))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="passbook-{volunteer.id}.pdf"'})


# --- the points shop and codes ---------------------------------------------------------

@bp.route("/shop")
@requires(*SERVING, *STAFF)
def shop():
    volunteer = volunteer_of(actor(), g.community)
    account = ledger.account_for(volunteer) if volunteer else None
    offers = [(s, redemptions.quota_left(s)) for s in redemptions.redeemable_services(g.community.id)]
    return render_template("points/shop.html", offers=offers, account=account, form=RedeemForm(),
                           can_redeem=volunteer is not None and has_role(*SERVING))


@bp.route("/shop/<id:service_id>/redeem", methods=["POST"])
@requires(*SERVING)
def redeem(service_id):
    service = get_scoped_or_404(Service, service_id)
    form = RedeemForm()

    def take(form):
        try:
            with db.session.begin_nested():  # flushed here, so that a twin is caught here
                redemption = redemptions.redeem(_me(), service, key=form.idempotency_key.data, actor=actor())
        except IntegrityError:  # the same form sent twice at the same moment: show the first code
            redemption = db.session.scalar(scoped(Redemption).where(
                Redemption.idempotency_key == form.idempotency_key.data))
            if redemption is None:
                raise
        return (_("Your code is ready: show it at the shop."),
                url_for("points.redemption", redemption_id=redemption.id))

    def render(status):
        if status == 400:
            flash(_("The form has expired: open it again."), "error")
        return _shop_again(status)

    return submit(form, take, render=render, invalid_status=400)


def _shop_again(status):
    offers = [(s, redemptions.quota_left(s)) for s in redemptions.redeemable_services(g.community.id)]
    volunteer = volunteer_of(actor(), g.community)
    return render_template("points/shop.html", offers=offers, form=RedeemForm(formdata=None), can_redeem=True,
                           account=ledger.account_for(volunteer) if volunteer else None), status


def _redemption_for_viewer(redemption_id):
    """The redemption if the viewer may see it: its volunteer, staff, or the merchant of
    its partner. Anyone else gets 404 (the code is a bearer secret)."""
    redemption = get_scoped_or_404(Redemption, redemption_id)
    if has_role(*STAFF):
        return redemption
    volunteer = volunteer_of(actor(), g.community)
    if volunteer is not None and redemption.volunteer_id == volunteer.id and has_role(*SERVING):
        return redemption
    merchant_of = redemptions.merchant_partner_ids(actor(), g.community.id) if has_role("merchant") else set()
    if redemption.partner_id in merchant_of:
        return redemption
    abort(404)


@bp.route("/codes/<id:redemption_id>")
@requires()
def redemption(redemption_id):
    r = _redemption_for_viewer(redemption_id)
    own = r.volunteer_id == getattr(volunteer_of(actor(), g.community), "id", None)
    qr = None
    if r.state == RedemptionState.held and (own or has_role("admin")):
        qr = qr_svg(url_for("points.merchant", code=redemptions.format_code(r.code), _external=True))
    return render_template("points/redemption.html", r=r, qr=qr, own=own, cancel_form=ActionForm(),
                           show_code=own or has_role("admin"))


@bp.route("/codes/<id:redemption_id>/cancel", methods=["POST"])
@requires(*SERVING, "admin")
def redemption_cancel(redemption_id):
    r = get_scoped_or_404(Redemption, redemption_id)
    volunteer = volunteer_of(actor(), g.community)
    if not has_role("admin") and (volunteer is None or r.volunteer_id != volunteer.id):
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)

    def cancel(form):
        redemptions.transition_redemption(r, "cancel", actor=actor())
        return _("The code is cancelled and %(points)s points are back.", points=r.points)

    return submit(form, cancel, success=url_for("points.redemption", redemption_id=r.id),
                  render=lambda status: (render_template("points/redemption.html", r=r, qr=None, own=True,
                                                         cancel_form=form, show_code=False), status))


# --- leaderboard and teams -------------------------------------------------------------

@bp.route("/leaderboard")
@requires()
def leaderboard():
    try:
        page = max(int(request.args.get("page", 1)), 1)
    except ValueError:
        page = 1
    page = min(page, 1000)
    rows = db.session.execute(ledger.leaderboard_query(g.community)
                              .limit(LEADERBOARD_SIZE + 1).offset((page - 1) * LEADERBOARD_SIZE)).all()
    thresholds = point_rules.settings_for(g.community).thresholds
    ranked = [(n + 1 + (page - 1) * LEADERBOARD_SIZE, account, name,
               point_rules.level_for(account.lifetime_minutes, thresholds)[0])
              for n, (account, name) in enumerate(rows[:LEADERBOARD_SIZE])]
    return render_template("points/leaderboard.html", ranked=ranked, page=page,
                           has_next=len(rows) > LEADERBOARD_SIZE, thresholds=thresholds)


@bp.route("/teams/<id:team_id>")
@requires("leader", *STAFF)
def team(team_id):
    team = get_scoped_or_404(Team, team_id)
    if not has_role(*STAFF) and team.id not in my_led_team_ids():
        abort(403)
    rows = db.session.execute(
        sa.select(TeamMember, Volunteer, PointAccount)
        .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
        .outerjoin(PointAccount, PointAccount.volunteer_id == Volunteer.id)
        .where(TeamMember.team_id == team.id).order_by(TeamMember.left_on.is_not(None), Volunteer.name)).all()
    thresholds = point_rules.settings_for(g.community).thresholds
    return render_template("points/team.html", team=team, rows=rows, thresholds=thresholds,
                           level_for=point_rules.level_for)


# --- merchants -------------------------------------------------------------------------

def _merchant_partners():
    ids = redemptions.merchant_partner_ids(actor(), g.community.id)
    return db.session.scalars(scoped(Partner).where(Partner.id.in_(ids or {0})).order_by(Partner.name)).all()


@bp.route("/merchant", methods=["GET", "POST"])
@requires("merchant")
def merchant():
    partners = _merchant_partners()
    form = ConfirmCodeForm(data={"code": request.args.get("code", "")} if request.method == "GET" else None)

    def confirm(form):
        r = redemptions.confirm_code(actor(), g.community.id, form.code.data, actor=actor())
        return _("Code %(code)s confirmed: %(service)s for %(name)s.", code=redemptions.format_code(r.code),
                 service=r.service.name, name=records.mask_name(r.volunteer.name))

    def render(status):
        queue = db.session.scalars(scoped(Redemption).where(
            Redemption.partner_id.in_([p.id for p in partners] or [0]),
            Redemption.state == RedemptionState.held).order_by(Redemption.created_at)).all()
        return render_template("points/merchant.html", partners=partners, form=form, queue=queue,
                               mask_name=records.mask_name, month=redemptions.this_month()), status

    return submit(form, confirm, success=url_for("points.merchant"), fields={CharityError: "code"},
                  render=render)


def _partner_for_settlement(partner_id):
    partner = get_scoped_or_404(Partner, partner_id)
    if not has_role(*STAFF) and partner.id not in redemptions.merchant_partner_ids(actor(), g.community.id):
        abort(404)
    return partner


def _month_arg():
    form = MonthForm(request.args)
    month = form.month.data or redemptions.this_month()
    redemptions.month_bounds(month)  # raises ValidationFailed on a malformed month
    return form, month


def _settlement_data(partner, month):
    rows, by_service = redemptions.settlement([partner.id], month)
    return {"community": g.community.name, "partner": partner.name, "month": month, "by_service": by_service,
            "rows": [{"when": r.closed_at, "code": redemptions.format_code(r.code), "service": r.service.name,
                      "volunteer": records.mask_name(r.volunteer.name), "points": r.points} for r in rows],
            "generated_by": current_user.display_name, "generated_at": utcnow()}


@bp.route("/settlements/<id:shop_id>")
@requires("merchant", *STAFF)
def settlement(shop_id):
    partner = _partner_for_settlement(shop_id)
    try:
        form, month = _month_arg()
    except CharityError as exc:
        flash(str(exc.message), "error")
        form, month = MonthForm(formdata=None), None
        return render_template("points/settlement.html", partner=partner, form=form, data=None), 400
    return render_template("points/settlement.html", partner=partner, form=form,
                           data=_settlement_data(partner, month))


@bp.route("/settlements/<id:shop_id>/statement.pdf")
@requires("merchant", *STAFF)
def settlement_pdf(shop_id):
    partner = _partner_for_settlement(shop_id)
    try:
        _form, month = _month_arg()
    except CharityError:
        abort(400)
    pdf = render_settlement(_settlement_data(partner, month))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="settlement-{partner.id}-{month}.pdf"'})
