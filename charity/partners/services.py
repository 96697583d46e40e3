"""Rules for partners and services, who sees which, and the resource service list.

Services flush, never commit; every change writes an audit event in the same transaction.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity import signals
from charity.accounts.models import Community, Membership, Role, User
from charity.audit.services import record, snapshot
from charity.dbutil import lock_row
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.partners.errors import (  # noqa: F401  (callers use the names here too)
    DuplicateCategory,
    DuplicatePartnerName,
    DuplicateServiceName,
    MeetingHasApprovedList,
    NotAMerchant,
    PartnerPlanDateMissing,
    UnknownCategory,
)
from charity.partners.models import (
    BeneficiaryGroup,
    Partner,
    PartnerContact,
    PartnerKind,
    PartnerStatus,
    ResourceListVersion,
    Service,
    ServiceCategory,
)

#: The categories every community starts with (便民维修, 爱心义剪, ...), in order.
DEFAULT_CATEGORIES = ["便民维修", "爱心义剪", "公益课堂", "结对帮扶", "健康服务", "法律援助"]

PARTNER_FIELDS = ("name", "kind", "address", "contact_person", "phone", "opening_hours",
                  "joined_on", "status", "is_charity_partner", "partner_signed_on")
SERVICE_FIELDS = ("name", "description", "target_groups", "schedule", "monthly_quota",
                  "points_price", "active")


def seed_categories(community):
    """Give ``community`` the default service categories (idempotent)."""
    existing = set(db.session.scalars(
        sa.select(ServiceCategory.name).where(ServiceCategory.community_id == community.id)))
    for position, name in enumerate(DEFAULT_CATEGORIES, start=1):
        if name not in existing:
            db.session.add(ServiceCategory(community_id=community.id, name=name, position=position))
    db.session.flush()


def connect_signals():
    """Each new community gets the default service categories."""
    signals.community_created.connect(seed_categories, weak=False)


def categories(community):
    return db.session.scalars(
        sa.select(ServiceCategory).where(ServiceCategory.community_id == community.id)
        .order_by(ServiceCategory.position, ServiceCategory.id)).all()


def category_by_name(community, name, *, create=False):
    category = db.session.scalar(sa.select(ServiceCategory).where(
        ServiceCategory.community_id == community.id, ServiceCategory.name == name))
    if category is None and create:
        position = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(ServiceCategory.position), 0))
                                     .where(ServiceCategory.community_id == community.id)) + 1
        category = ServiceCategory(community_id=community.id, name=name, position=position)
        db.session.add(category)
        db.session.flush()
    return category


def add_category(community, name, *, actor=None):
    """Add a category at the end of the community's list.

    :raises DuplicateCategory: the list already has it.
    """
    name = name.strip()
    if not name or len(name) > 60:
        raise ValidationFailed(_l("Names take 1 to 60 characters."))
    if category_by_name(community, name) is not None:
        raise DuplicateCategory(_l("The list already has this category."))
    category = category_by_name(community, name, create=True)
    record("category.create", "category", category.id, community=community, actor=actor,
           label=name, after={"name": name})
    return category


# -- partners --------------------------------------------------------------------------


def _check_partner(community, data, partner=None):
    name = data["name"].strip()
    if not name:
        raise ValidationFailed(_l("This field is required."))
    clash = sa.select(Partner.id).where(Partner.community_id == community.id, Partner.name == name)
    if partner is not None:
        clash = clash.where(Partner.id != partner.id)
    if db.session.scalar(clash) is not None:
        raise DuplicatePartnerName(_l("A partner with this name already exists."))
    if data.get("is_charity_partner") and not data.get("partner_signed_on"):
        raise PartnerPlanDateMissing(_l("Give the date the partner plan was signed."))
    data["name"] = name
    if not data.get("is_charity_partner"):
        data["partner_signed_on"] = None


def create_partner(community, data, *, actor=None):
    """Add a partner from ``data`` (the :data:`PARTNER_FIELDS`).

    :raises DuplicatePartnerName: the name is taken in the community.
    :raises PartnerPlanDateMissing: a charity partner without the signing date.
    """
    data = dict(data)
    _check_partner(community, data)
    partner = Partner(community_id=community.id,
                      **{f: data.get(f) for f in PARTNER_FIELDS if data.get(f) is not None})
    partner.kind = PartnerKind(partner.kind)
    partner.status = PartnerStatus(data.get("status") or "active")
    db.session.add(partner)
    db.session.flush()
    record("partner.create", "partner", partner.id, community=community, actor=actor,
           label=partner.name, after=snapshot(partner, *PARTNER_FIELDS))
    return partner


def update_partner(partner, data, *, actor=None):
    community = db.session.get(Community, partner.community_id)
    data = dict(data)
    _check_partner(community, data, partner)
    before = snapshot(partner, *PARTNER_FIELDS)
    for f in PARTNER_FIELDS:
        if f in data:
            setattr(partner, f, data[f])
    partner.kind = PartnerKind(partner.kind)
    partner.status = PartnerStatus(partner.status)
    db.session.flush()
    after = snapshot(partner, *PARTNER_FIELDS)
    if after != before:
        record("partner.update", "partner", partner.id, community=community, actor=actor,
               label=partner.name, before=before, after=after)
    return partner


def merchant_users(community):
    """Users holding the merchant role in ``community``, by name."""
    ids = sa.select(Membership.user_id).where(Membership.community_id == community.id,
                                              Membership.role == Role.merchant)
    return db.session.scalars(sa.select(User).where(User.id.in_(ids))
                              .order_by(User.display_name)).all()


def contacts_of(partner):
    return db.session.scalars(
        sa.select(User).join(PartnerContact, PartnerContact.user_id == User.id)
        .where(PartnerContact.partner_id == partner.id).order_by(User.display_name)).all()


def set_contacts(partner, user_ids, *, actor=None):
    """The merchant accounts acting for ``partner`` become exactly ``user_ids``. A user
    acting for another partner of the community moves to this one.

    :raises NotAMerchant: a user without the merchant role in the community.
    """
    community = db.session.get(Community, partner.community_id)
    lock_row(Partner, partner.id)
    merchants = {u.id: u for u in merchant_users(community)}
    wanted = set(user_ids)
    if wanted - set(merchants):
        raise NotAMerchant(_l("Only accounts with the merchant partner role can act for a partner."))
    before = sorted(u.username for u in contacts_of(partner))
    db.session.execute(sa.delete(PartnerContact).where(
        PartnerContact.community_id == community.id,
        sa.or_(PartnerContact.partner_id == partner.id, PartnerContact.user_id.in_(wanted))))
    for user_id in sorted(wanted):
        db.session.add(PartnerContact(community_id=community.id, partner_id=partner.id, user_id=user_id))
    db.session.flush()
    after = sorted(merchants[i].username for i in wanted)
    if before != after:
        record("partner.contacts", "partner", partner.id, community=community, actor=actor,
               label=partner.name, before={"users": before}, after={"users": after})


# -- services ---------------------------------------------------------------------------


def groups_value(groups):
    """Beneficiary groups as stored: declared order, comma-separated, no repeats."""
    chosen = {BeneficiaryGroup(g_) for g_ in groups}
    return ",".join(m.value for m in BeneficiaryGroup if m in chosen)


def _service_snapshot(service):
    data = snapshot(service, *SERVICE_FIELDS)
    data["category"] = service.category.name if service.category else None
    return data


def _check_service(partner, data, service=None):
    name = data["name"].strip()
    if not name:
        raise ValidationFailed(_l("This field is required."))
    clash = sa.select(Service.id).where(Service.partner_id == partner.id, Service.name == name)
    if service is not None:
        clash = clash.where(Service.id != service.id)
    if db.session.scalar(clash) is not None:
        raise DuplicateServiceName(_l("This partner already offers a service with this name."))
    category = db.session.get(ServiceCategory, data["category_id"])
    if category is None or category.community_id != partner.community_id:
        raise UnknownCategory(_l("Choose a category from the list."))
    for key in ("monthly_quota", "points_price"):
        if data.get(key) is not None and data[key] <= 0:
            raise ValidationFailed(_l("Give a whole number above zero, or leave it empty."))
    data["name"] = name
    data["target_groups"] = groups_value(data.get("target_groups") or [])


def create_service(partner, data, *, actor=None):
    """Add a service of ``partner``.

    :raises DuplicateServiceName: the partner already offers one of that name.
    :raises UnknownCategory: the category belongs to no list of this community.
    """
    data = dict(data)
    _check_service(partner, data)
    service = Service(community_id=partner.community_id, partner_id=partner.id,
                      category_id=data["category_id"],
                      **{f: data[f] for f in SERVICE_FIELDS if f in data and data[f] is not None})
    db.session.add(service)
    db.session.flush()
    record("service.create", "service", service.id, community=db.session.get(Community, partner.community_id),
           actor=actor, label=f"{partner.name} · {service.name}", after=_service_snapshot(service))
    return service


def update_service(service, data, *, actor=None):
    data = dict(data)
    _check_service(service.partner, data, service)
    before = _service_snapshot(service)
    service.category_id = data["category_id"]
    for f in SERVICE_FIELDS:
        if f in data:
            setattr(service, f, data[f])
    db.session.flush()
    db.session.refresh(service, ["category"])
    after = _service_snapshot(service)
    if after != before:
        record("service.update", "service", service.id,
               community=db.session.get(Community, service.community_id), actor=actor,
               label=f"{service.partner.name} · {service.name}", before=before, after=after)
    return service


# -- the resource service list ------------------------------------------------------------


def resource_list_data(community):
    """The current list as plain data (also what an approved version freezes): active
    partners with their active services, grouped by category in the list's order.

    ``{"community": str, "categories": [{"name", "partners": [partner...]}],
    "partners_without_services": [partner...]}``; a partner is ``{"name", "kind",
    "address", "contact_person", "phone", "opening_hours", "is_charity_partner",
    "services": [{"name", "description", "groups", "schedule", "monthly_quota",
    "points_price"}]}``. Phones are in full here; printing masks them per viewer.
    """
    partners = db.session.scalars(
        sa.select(Partner).where(Partner.community_id == community.id,
                                 Partner.status == PartnerStatus.active)
        .order_by(Partner.is_charity_partner.desc(), Partner.name)).all()
    services = db.session.scalars(
        sa.select(Service).where(Service.community_id == community.id, Service.active.is_(True),
                                 Service.partner_id.in_([p.id for p in partners]))
        .order_by(Service.name)).all()

    def partner_entry(partner, offered):
        return {
            "name": partner.name, "kind": partner.kind.value, "address": partner.address,
            "contact_person": partner.contact_person, "phone": partner.phone,
            "opening_hours": partner.opening_hours, "is_charity_partner": partner.is_charity_partner,
            "services": [{"name": s.name, "description": s.description, "groups": s.target_groups,
                          "schedule": s.schedule, "monthly_quota": s.monthly_quota,
                          "points_price": s.points_price} for s in offered],
        }

    out = []
    with_services = set()
    for category in categories(community):
        in_category = [s for s in services if s.category_id == category.id]
        if not in_category:
            continue
        entries = []
        for partner in partners:
            offered = [s for s in in_category if s.partner_id == partner.id]
            if offered:
                entries.append(partner_entry(partner, offered))
                with_services.add(partner.id)
        out.append({"name": category.name, "partners": entries})
    return {
        "community": community.name,
        "categories": out,
        "partners_without_services": [partner_entry(p, []) for p in partners
                                      if p.id not in with_services],
    }


def approve_resource_list(meeting, *, actor=None):
    """Freeze the current list as the next version, approved at ``meeting``.

    :raises MeetingHasApprovedList: this meeting already approved a version.
    """
    community = db.session.get(Community, meeting.community_id)
    lock_row(Community, community.id)  # version numbers: one approval at a time
    if db.session.scalar(sa.select(ResourceListVersion.id)
                         .where(ResourceListVersion.meeting_id == meeting.id)) is not None:
        raise MeetingHasApprovedList(_l("This meeting has already approved a version of the list."))
    number = (db.session.scalar(sa.select(sa.func.max(ResourceListVersion.number))
                                .where(ResourceListVersion.community_id == community.id)) or 0) + 1
    version = ResourceListVersion(community_id=community.id, number=number, meeting_id=meeting.id,
                                  approved_on=meeting.held_on, snapshot=resource_list_data(community))
    db.session.add(version)
    db.session.flush()
    record("resource_list.approve", "resource_list", version.id, community=community, actor=actor,
           label=f"v{number}", after={"number": number, "meeting": meeting.title,
                                      "approved_on": meeting.held_on})
    return version


def versions(community):
    return db.session.scalars(sa.select(ResourceListVersion)
                              .where(ResourceListVersion.community_id == community.id)
                              .order_by(ResourceListVersion.number.desc())).all()


def latest_version(community):
    return db.session.scalar(sa.select(ResourceListVersion)
                             .where(ResourceListVersion.community_id == community.id)
                             .order_by(ResourceListVersion.number.desc()).limit(1))

