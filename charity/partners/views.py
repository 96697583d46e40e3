"""Partners, services, the resource service list (PDF) and the Excel import/export."""

import sqlalchemy as sa
from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from charity.accounts.access import get_scoped_or_404, has_role, requires, sees_personal_data
from charity.accounts.forms import choices
from charity.audit.services import filtered_events
from charity.errors import CharityError
from charity.extensions import db
from charity.formatting import datetime_local
from charity.models_base import utcnow
from charity.pagination import paginate, query_args
from charity.partners import access, excel, labels, services
from charity.partners.forms import (
    CategoryForm,
    ImportForm,
    PartnerForm,
    PartnerSearchForm,
    ServiceForm,
    ServiceSearchForm,
)
from charity.partners.models import BeneficiaryGroup, Partner, PartnerKind, PartnerStatus, Service
from charity.partners.pdf import render_resource_list
from charity.web import submit

bp = Blueprint("partners", __name__, url_prefix="/partners")

EVERY_ROLE = ("admin", "council", "auditor", "leader", "volunteer", "merchant")
PUBLIC_LIST_ROLES = ("admin", "council", "auditor", "leader", "volunteer")
READERS = access.READERS


def _visible_partner_or_404(partner_id):
    partner = db.session.scalar(access.visible_partners().where(Partner.id == partner_id))
    if partner is None:
        abort(404)
    return partner


def _actor():
    return current_user._get_current_object()


def _like(value):
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@bp.route("/")
@requires(*EVERY_ROLE)
def index():
    form = PartnerSearchForm(request.args)
    form.validate()
    stmt = access.visible_partners().order_by(Partner.is_charity_partner.desc(), Partner.name)
    if form.q.data and not form.q.errors:
        like = _like(form.q.data)
        searched = [Partner.name.ilike(like, escape="\\"), Partner.address.ilike(like, escape="\\"),
                    Partner.contact_person.ilike(like, escape="\\")]
        if sees_personal_data():
            searched.append(Partner.phone.ilike(like, escape="\\"))
        stmt = stmt.where(sa.or_(*searched))
    if form.kind.data and not form.kind.errors:
        stmt = stmt.where(Partner.kind == PartnerKind(form.kind.data))
    if form.status.data and not form.status.errors:
        stmt = stmt.where(Partner.status == PartnerStatus(form.status.data))
    if form.charity.data in ("yes", "no"):
        stmt = stmt.where(Partner.is_charity_partner.is_(form.charity.data == "yes"))
    page = paginate(stmt)
    counts = dict(db.session.execute(
        access.visible_services().with_only_columns(Service.partner_id, sa.func.count())
        .where(Service.partner_id.in_([p.id for p in page.items]))
        .group_by(Service.partner_id)).all())
    return render_template("partners/index.html", page=page, form=form, args=query_args(form),
                           counts=counts)


def _contact_choices(form):

    form.contacts.choices = choices((u.id, f"{u.display_name} ({u.username})")
                                    for u in services.merchant_users(g.community))


@bp.route("/new", methods=["GET", "POST"])
@requires("admin")
def new():
    form = PartnerForm()
    _contact_choices(form)

    def create(form):
        partner = services.create_partner(g.community, form.data_for_service(), actor=_actor())
        services.set_contacts(partner, form.contacts.data or [], actor=_actor())
        return (_("Partner %(name)s added.", name=partner.name),
                url_for("partners.detail", partner_id=partner.id))

    return submit(form, create, fields={CharityError: "name"}, render=lambda status: (
        render_template("partners/partner_form.html", form=form, partner=None), status))


@bp.route("/<id:partner_id>")
@requires(*EVERY_ROLE)
def detail(partner_id):
    partner = _visible_partner_or_404(partner_id)
    offered = db.session.scalars(access.visible_services().where(Service.partner_id == partner.id)
                                 .order_by(Service.active.desc(), Service.name)).all()
    history, contacts = [], []
    if access.reads_everything():
        history = db.session.scalars(filtered_events(g.community, object_type="partner",
                                                     object_id=str(partner.id)).limit(10)).all()
    if sees_personal_data():
        contacts = services.contacts_of(partner)
    return render_template("partners/detail.html", partner=partner, offered=offered,
                           history=history, contacts=contacts)


@bp.route("/<id:partner_id>/edit", methods=["GET", "POST"])
@requires("admin")
def edit(partner_id):
    partner = get_scoped_or_404(Partner, partner_id)
    form = PartnerForm(obj=partner)
    _contact_choices(form)
    if request.method == "GET":
        form.kind.data = partner.kind.value
        form.status.data = partner.status.value
        form.contacts.data = [u.id for u in services.contacts_of(partner)]

    def save(form):
        services.update_partner(partner, form.data_for_service(), actor=_actor())
        services.set_contacts(partner, form.contacts.data or [], actor=_actor())
        return _("Changes saved.")

    return submit(form, save, success=url_for("partners.detail", partner_id=partner.id),
                  fields={CharityError: "name"}, render=lambda status: (
                      render_template("partners/partner_form.html", form=form, partner=partner), status))


def _category_choices(form):

    form.category_id.choices = choices((c.id, c.name) for c in services.categories(g.community))


@bp.route("/<id:partner_id>/services/new", methods=["GET", "POST"])
@requires("admin")
def service_new(partner_id):
    partner = get_scoped_or_404(Partner, partner_id)
    form = ServiceForm()
    _category_choices(form)

    def create(form):
        service = services.create_service(partner, form.data_for_service(), actor=_actor())
        return _("Service %(name)s added.", name=service.name)

    return submit(form, create, success=url_for("partners.detail", partner_id=partner.id),
                  fields={CharityError: "name"}, render=lambda status: (
                      render_template("partners/service_form.html", form=form, partner=partner,
                                      service=None), status))


@bp.route("/services/<id:service_id>/edit", methods=["GET", "POST"])
@requires("admin")
def service_edit(service_id):
    service = get_scoped_or_404(Service, service_id)
    form = ServiceForm(obj=service)
    _category_choices(form)
    if request.method == "GET":
        form.target_groups.data = [g_.value for g_ in service.groups]

    def save(form):
        services.update_service(service, form.data_for_service(), actor=_actor())
        return _("Changes saved."), url_for("partners.detail", partner_id=service.partner_id)

    return submit(form, save, fields={CharityError: "name"}, render=lambda status: (
        render_template("partners/service_form.html", form=form, partner=service.partner,
                        service=service), status))


@bp.route("/services")
@requires(*EVERY_ROLE)
def service_list():

    form = ServiceSearchForm(request.args)
    cats = services.categories(g.community)
    form.category.choices = choices([("", _("All categories"))] + [(str(c.id), c.name) for c in cats])
    form.validate()
    stmt = access.visible_services().order_by(Partner.name, Service.name)
    if form.q.data and not form.q.errors:
        like = _like(form.q.data)
        stmt = stmt.where(sa.or_(Service.name.ilike(like, escape="\\"),
                                 Service.description.ilike(like, escape="\\"),
                                 Partner.name.ilike(like, escape="\\")))
    if form.category.data and not form.category.errors:
        stmt = stmt.where(Service.category_id == int(form.category.data))
    if form.group.data and not form.group.errors:
        group = BeneficiaryGroup(form.group.data).value
        stmt = stmt.where(("," + Service.target_groups + ",").like(f"%,{group},%"))
    if form.kind.data and not form.kind.errors:
        stmt = stmt.where(Partner.kind == PartnerKind(form.kind.data))
    if form.status.data == "active":
        stmt = stmt.where(Service.active.is_(True))
    elif form.status.data == "inactive":
        stmt = stmt.where(Service.active.is_(False))
    page = paginate(stmt)
    return render_template("partners/services.html", page=page, form=form, args=query_args(form))


@bp.route("/categories", methods=["GET", "POST"])
@requires(*READERS)
def categories():
    """The community's list of service categories; staff add to it."""
    form = CategoryForm()
    if request.method == "POST" and not has_role("admin"):
        abort(403)

    def add(form):
        category = services.add_category(g.community, form.name.data, actor=_actor())
        return _("Category %(name)s added.", name=category.name)

    def render(status):
        counts = dict(db.session.execute(
            sa.select(Service.category_id, sa.func.count()).where(Service.community_id == g.community.id)
            .group_by(Service.category_id)).all())
        return render_template("partners/categories.html", form=form, counts=counts,
                               categories=services.categories(g.community)), status

    return submit(form, add, success=url_for("partners.categories"), fields={CharityError: "name"},
                  render=render)


# -- the resource service list ------------------------------------------------------------


@bp.route("/resource-list")
@requires(*PUBLIC_LIST_ROLES)
def resource_list():
    return render_template("partners/resource_list.html", versions=services.versions(g.community))


@bp.route("/resource-list.pdf")
@requires(*PUBLIC_LIST_ROLES)
def resource_list_pdf():

    wanted = request.args.get("version", "")
    version = None
    if wanted and wanted != "draft":
        if not wanted.isdigit() or len(wanted) > 9:
            abort(404)
        version = db.session.scalar(sa.select(services.ResourceListVersion).where(
            services.ResourceListVersion.community_id == g.community.id,
            services.ResourceListVersion.number == int(wanted)))
        if version is None:
            abort(404)
    elif not wanted:
        version = services.latest_version(g.community)
    generated = _("Generated %(when)s by %(who)s", when=datetime_local(utcnow()),
                  who=current_user.display_name)
    if version is None:
        pdf = render_resource_list(services.resource_list_data(g.community),
                                   full_phones=sees_personal_data(), generated=generated)
        filename = f"resource-list-{g.community.slug}-draft.pdf"
    else:
        pdf = render_resource_list(version.snapshot, version=version.number,
                                   approved_on=version.approved_on,
                                   full_phones=sees_personal_data(), generated=generated)
        filename = f"resource-list-{g.community.slug}-v{version.number}.pdf"
    return pdf, 200, {"Content-Type": "application/pdf",
                      "Content-Disposition": f'inline; filename="{filename}"'}


# -- Excel ------------------------------------------------------------------------------------


@bp.route("/export.xlsx")
@requires(*READERS)
def export():
    data = excel.export_workbook(g.community, full_phones=sees_personal_data())
    filename = f"partners-{g.community.slug}.xlsx"
    return data, 200, {
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": f'attachment; filename="{filename}"'}


@bp.route("/import", methods=["GET", "POST"])
@requires("admin")
def import_():
    form = ImportForm()
    problems = []

    def load(form):
        upload = form.file.data
        try:  # read one byte past the cap: enough to know the file is too large
            data = upload.stream.read(excel.MAX_BYTES + 1)
        finally:
            upload.close()
        try:
            added = excel.import_workbook(g.community, data, actor=_actor())
        except excel.ImportRejected as exc:
            problems.extend(exc.problems)
            raise
        return _("Imported %(partners)s partners and %(services)s services.",
                 partners=added[0], services=added[1])

    return submit(form, load, success=url_for("partners.index"), fields={CharityError: "file"},
                  render=lambda status: (render_template("partners/import.html", form=form,
                                                         problems=problems[:200],
                                                         more=max(0, len(problems) - 200)), status))


@bp.record_once
def _register_filters(state):

    labels.register_filters(state.app)
