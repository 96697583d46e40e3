"""Who sees which partners and services: queries limited to the signed-in user's roles in
the current community. Request-scoped (it reads ``g`` and ``current_user``), so views use
it; services take the community and the actor as arguments instead."""

import sqlalchemy as sa
from flask import g
from flask_login import current_user

from charity.accounts.access import has_role
from charity.partners.models import Partner, PartnerContact, PartnerStatus, Service

#: Roles that read every partner and service of the community, whatever their status.
READERS = ("admin", "council", "auditor")


def own_partner_ids_query():
    """Ids of the partners the signed-in merchant acts for, in the current community."""
    return sa.select(PartnerContact.partner_id).where(
        PartnerContact.community_id == g.community.id, PartnerContact.user_id == current_user.id)


def reads_everything():
    return has_role(*READERS)


def sees_public_list():
    return has_role("volunteer", "leader")


def visible_partners():
    """``select(Partner)`` limited to what the current user may see: readers all of the
    community; volunteers and leaders the active partners; merchants their own."""
    stmt = sa.select(Partner).where(Partner.community_id == g.community.id)
    if reads_everything():
        return stmt
    allowed = []
    if sees_public_list():
        allowed.append(Partner.status == PartnerStatus.active)
    if has_role("merchant"):
        allowed.append(Partner.id.in_(own_partner_ids_query()))
    return stmt.where(sa.or_(*allowed)) if allowed else stmt.where(sa.false())


def visible_services():
    """``select(Service)`` joined to its partner, limited like :func:`visible_partners`;
    the public list shows active services of active partners only."""
    stmt = (sa.select(Service).join(Service.partner)
            .where(Service.community_id == g.community.id))
    if reads_everything():
        return stmt
    allowed = []
    if sees_public_list():
        allowed.append(sa.and_(Service.active.is_(True), Partner.status == PartnerStatus.active))
    if has_role("merchant"):
        allowed.append(Service.partner_id.in_(own_partner_ids_query()))
    return stmt.where(sa.or_(*allowed)) if allowed else stmt.where(sa.false())
