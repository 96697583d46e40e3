"""Staff points pages: a volunteer's account (adjust, redeem on their behalf, identity,
commendations, certificates), the public certificate check, and the rules, settings and
expiry pages. Its routes are on the points blueprint of :mod:`charity.points.views`.
"""

import sqlalchemy as sa
from flask import Response, abort, g, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from charity.accounts.access import get_scoped_or_404, has_role, requires
from charity.accounts.forms import choices
from charity.errors import CharityError
from charity.extensions import db
from charity.models_base import utcnow
from charity.pagination import paginate
from charity.partners.models import Service
from charity.points import expiry, ledger, records, redemptions
from charity.points import rules as point_rules
from charity.points.forms import (
    AdjustForm,
    CertificateForm,
    CheckForm,
    CommendationForm,
    IdentityForm,
    OnBehalfForm,
    RuleVersionForm,
    SettingsForm,
)
from charity.points.labels import ACTIVITY_KIND_NAMES, ID_TYPE_NAMES
from charity.points.models import Certificate, Redemption
from charity.points.pdf import render_certificate
from charity.points.views import SERVING, STAFF, actor, bp, level_of, passbook_response
from charity.projects.models import ActivityKind
from charity.teams.models import Volunteer
from charity.teams.services import volunteer_of
from charity.web import submit

# --- staff: a volunteer's account ------------------------------------------------------

def _volunteer_page(volunteer, status=200, **forms):
    account = ledger.account_for(volunteer)
    on_behalf = forms.get("on_behalf") or OnBehalfForm(formdata=None)
    on_behalf.service_id.choices = choices((s.id, f"{s.partner.name} · {s.name} · {s.points_price}")
                                           for s in redemptions.redeemable_services(g.community.id))
    recent = db.session.scalars(sa.select(Redemption).where(Redemption.account_id == account.id)
                                .order_by(Redemption.id.desc()).limit(20)).all()
    identity = forms.get("identity") or IdentityForm(formdata=None, data={
        "id_type": volunteer.id_type or "", "id_number": volunteer.id_number or "",
        "volunteer_number": volunteer.volunteer_number or ""})
    return render_template(
        "points/volunteer.html", volunteer=volunteer, account=account, level=level_of(account),
        page=paginate(ledger.history_query(account)), redemptions=recent,
        adjust_form=forms.get("adjust") or AdjustForm(formdata=None), on_behalf_form=on_behalf,
        certificate_form=forms.get("certificate") or CertificateForm(formdata=None),
        commendation_form=forms.get("commendation") or CommendationForm(formdata=None),
        identity_form=identity, id_type_names=ID_TYPE_NAMES, mask_id=records.mask_id_number,
        commendations=records.commendations(volunteer),
        certificates=db.session.scalars(sa.select(Certificate).where(Certificate.volunteer_id == volunteer.id)
                                        .order_by(Certificate.id.desc())).all()), status


@bp.route("/volunteers/<id:volunteer_id>")
@requires(*STAFF)
def volunteer(volunteer_id):
    return _volunteer_page(get_scoped_or_404(Volunteer, volunteer_id))


def _staff_post(volunteer_id, form_name, form, act):
    """A staff form on a volunteer's page: ``act(volunteer, form)`` calls the service and
    returns ``(flash message, where to go)``; a refusal re-renders the page (422)."""
    volunteer = get_scoped_or_404(Volunteer, volunteer_id)
    return submit(form, lambda form: act(volunteer, form),
                  success=url_for("points.volunteer", volunteer_id=volunteer.id),
                  render=lambda status: _volunteer_page(volunteer, 422, **{form_name: form}))


@bp.route("/volunteers/<id:volunteer_id>/adjust", methods=["POST"])
@requires("admin")
def adjust(volunteer_id):
    def act(volunteer, form):
        ledger.adjust(volunteer, form.points.data, reason=form.reason.data, key=form.idempotency_key.data,
                      actor=actor())
        return _("Points adjusted."), None

    return _staff_post(volunteer_id, "adjust", AdjustForm(), act)


@bp.route("/volunteers/<id:volunteer_id>/redeem", methods=["POST"])
@requires("admin")
def redeem_on_behalf(volunteer_id):
    def act(volunteer, form):
        service = get_scoped_or_404(Service, form.service_id.data)
        r = redemptions.redeem(volunteer, service, key=form.idempotency_key.data, actor=actor(),
                               on_behalf=True)
        return (_("Code issued on the volunteer's behalf: print or write it down for them."),
                url_for("points.redemption", redemption_id=r.id))

    form = OnBehalfForm()
    form.service_id.choices = choices((s.id, s.name) for s in redemptions.redeemable_services(g.community.id))
    return _staff_post(volunteer_id, "on_behalf", form, act)


@bp.route("/volunteers/<id:volunteer_id>/passbook.pdf")
@requires(*STAFF)
def volunteer_passbook(volunteer_id):
    return passbook_response(get_scoped_or_404(Volunteer, volunteer_id))


@bp.route("/volunteers/<id:volunteer_id>/identity", methods=["POST"])
@requires("admin")
def identity(volunteer_id):
    def act(volunteer, form):
        records.set_identity(volunteer, id_type=form.id_type.data, id_number=form.id_number.data,
                             volunteer_number=form.volunteer_number.data, actor=actor())
        return _("Identity saved."), None

    return _staff_post(volunteer_id, "identity", IdentityForm(), act)


@bp.route("/volunteers/<id:volunteer_id>/commendations", methods=["POST"])
@requires("admin")
def commendation_add(volunteer_id):
    def act(volunteer, form):
        records.add_commendation(volunteer, kind=form.kind.data, title=form.title.data,
                                 awarded_on=form.awarded_on.data, issuer=form.issuer.data, actor=actor())
        return _("Recorded."), None

    return _staff_post(volunteer_id, "commendation", CommendationForm(), act)


@bp.route("/volunteers/<id:volunteer_id>/certificates", methods=["POST"])
@requires("admin")
def certificate_issue(volunteer_id):
    def act(volunteer, form):
        cert = records.issue_certificate(volunteer, form.period_start.data, form.period_end.data,
                                         actor=actor())
        return _("Certificate %(number)s issued and registered.", number=cert.number), None

    return _staff_post(volunteer_id, "certificate", CertificateForm(), act)


@bp.route("/certificates/<id:certificate_id>.pdf")
@requires(*STAFF, *SERVING)
def certificate_pdf(certificate_id):
    cert = get_scoped_or_404(Certificate, certificate_id)
    if not has_role(*STAFF):
        volunteer = volunteer_of(actor(), g.community)
        if volunteer is None or volunteer.id != cert.volunteer_id:
            abort(404)
    snap = dict(cert.snapshot, check_url=url_for("points.check", _external=True))
    # An official document (MCA 2021 measures): always printed in Chinese, whatever the
    # language of the screen.
    with force_locale("zh"):
        pdf = render_certificate(snap, generated=_("Registered certificate %(number)s", number=cert.number))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="certificate-{cert.number}.pdf"'})


@bp.route("/check")
def check():
    """Public: is this certificate number registered? Shows only a masked name, the hours,
    the period, the issue date and the issuer (no identity numbers)."""
    form = CheckForm(request.args)
    found, searched = None, bool(form.number.data)
    if searched and form.validate():
        cert = records.find_certificate(form.number.data)
        found = records.public_view(cert) if cert else None
    return render_template("points/check.html", form=form, found=found, searched=searched), \
        404 if searched and found is None else 200


# --- staff: rules, settings, expiry ----------------------------------------------------

@bp.route("/rules", methods=["GET", "POST"])
@requires(*STAFF)
def rules():
    form = RuleVersionForm()
    if request.method == "POST" and not has_role("admin"):
        abort(403)
    if request.method == "GET":
        current = point_rules.rule_in_force(g.community.id, utcnow())
        if current is not None:
            for k in ActivityKind:
                form[f"rate_{k.value}"].data = current.rates.get(k.value, 0)
            form.cap_per_activity.data = current.cap_per_activity
            form.organiser_bonus.data = current.organiser_bonus

    def create(form):
        version = point_rules.new_rule_version(
            g.community, rates={k.value: form[f"rate_{k.value}"].data for k in ActivityKind},
            cap_per_activity=form.cap_per_activity.data, organiser_bonus=form.organiser_bonus.data,
            note=form.note.data, actor=actor())
        return _("Rules version %(number)s is in force from now on.", number=version.number)

    return submit(form, create, success=url_for("points.rules"), render=lambda status: (
        render_template("points/rules.html", form=form, versions=point_rules.rule_versions(g.community),
                        kinds=list(ActivityKind), kind_names=ACTIVITY_KIND_NAMES,
                        current=point_rules.rule_in_force(g.community.id, utcnow())), status))


@bp.route("/settings", methods=["GET", "POST"])
@requires("admin")
def settings():
    current = point_rules.settings_for(g.community)
    form = SettingsForm(obj=current)

    def save(form):
        point_rules.update_settings(g.community, actor=actor(),
                                    **{f: form[f].data for f in point_rules.SETTINGS_FIELDS})
        return _("Points settings saved.")

    return submit(form, save, success=url_for("points.settings"), fields={CharityError: "level_hours"},
                  render=lambda status: (render_template("points/settings.html", form=form), status))


@bp.route("/expiring")
@requires(*STAFF)
def expiring():
    settings = point_rules.settings_for(g.community)
    rows = db.session.execute(expiry.expiring_soon_query(g.community).limit(500)).all()
    return render_template("points/expiring.html", rows=rows, settings=settings)
