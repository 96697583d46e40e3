"""The review panel of a round (reviewers and the chair) and who sees which round and
application. Services flush, never commit.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.accounts.models import Membership, Role, User
from charity.audit.services import record
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.grants.common import _round_snapshot
from charity.grants.errors import (
    IllegalTransition,
)
from charity.grants.models import (
    Application,
    ApplicationState,
    ConflictDeclaration,
    GrantRound,
    ReviewerKind,
    RoundReviewer,
)
from charity.teams.services import actor_id, led_team_ids
from charity.teams.services import community_of as _community

S = ApplicationState


def holders_of(community, role):
    """Active users holding ``role`` in ``community``, by name."""
    ids = sa.select(Membership.user_id).where(Membership.community_id == community.id,
                                              Membership.role == role)
    return db.session.scalars(sa.select(User).where(User.id.in_(ids), User.active.is_(True))
                              .order_by(User.display_name, User.id)).all()


def reviewer_row(rnd, user):
    if user is None or not getattr(user, "is_authenticated", True):
        return None
    return db.session.scalar(sa.select(RoundReviewer).where(RoundReviewer.round_id == rnd.id,
                                                            RoundReviewer.user_id == user.id))


def add_reviewer(rnd, user_id, *, kind, affiliation="", actor=None):
    """Put a council member (kind ``council``) or an expert (``expert``, a user holding
    the expert role) on the round's panel.

    :raises ValidationFailed: the user does not hold the matching role here, or is on
        the panel already.
    """
    community = _community(rnd)
    kind = ReviewerKind(kind)
    role = Role.council if kind == ReviewerKind.council else Role.expert
    user = next((u for u in holders_of(community, role) if u.id == user_id), None)
    if user is None:
        raise ValidationFailed(_l("Choose a council member or an expert reviewer of this community."))
    if reviewer_row(rnd, user) is not None:
        raise ValidationFailed(_l("%(name)s is on the panel already.", name=user.display_name))
    row = RoundReviewer(round_id=rnd.id, user_id=user.id, kind=kind,
                        affiliation=(affiliation or "").strip()[:120],
                        added_by_id=actor_id(actor))
    db.session.add(row)
    db.session.flush()
    record("grant.panel.add", "grant_round", rnd.id, community=community, actor=actor, label=rnd.name,
           after={"reviewer": user.display_name, "kind": kind.value})
    return row


def remove_reviewer(row, *, actor=None):
    """Take a reviewer off the panel, unless they have declared or scored already.

    :raises IllegalTransition: the reviewer has taken part in the review.
    """
    rnd = row.round
    if row.user_id in took_part(rnd):
        raise IllegalTransition(_l("This reviewer has taken part in the review and stays on the panel."))
    name, kind = row.user.display_name, row.kind.value
    db.session.delete(row)
    db.session.flush()
    db.session.expire(rnd, ["reviewers"])
    record("grant.panel.remove", "grant_round", rnd.id, community=_community(rnd), actor=actor,
           label=rnd.name,
           before={"reviewer": name, "kind": kind})


def took_part(rnd):
    """Ids of the panel members who declared on an application of the round (they stay)."""
    return set(db.session.scalars(
        sa.select(ConflictDeclaration.user_id)
        .join(Application, Application.id == ConflictDeclaration.application_id)
        .where(Application.round_id == rnd.id)))


def set_chair(rnd, user_id, *, actor=None):
    """Designate a panel member as the chair (or none with ``user_id=None``)."""
    if user_id and not any(r.user_id == user_id for r in rnd.reviewers):
        raise ValidationFailed(_l("The chair must be on the panel."))
    before = _round_snapshot(rnd)
    rnd.chair_id = user_id or None
    db.session.flush()
    db.session.refresh(rnd, ["chair"])
    record("grant.round.update", "grant_round", rnd.id, community=_community(rnd), actor=actor,
           label=rnd.name, before=before, after=_round_snapshot(rnd))


def panel_round_ids(user, community):
    """Ids of the community's rounds on whose panel ``user`` sits."""
    return set(db.session.scalars(sa.select(RoundReviewer.round_id).join(GrantRound).where(
        GrantRound.community_id == community.id, RoundReviewer.user_id == user.id)))


def can_read_all(roles):
    return bool(set(roles) & {Role.admin, Role.council, Role.auditor})


def can_see_application(application, user, roles, community):
    """Staff, council and auditors see every application; a panel member (an expert) those
    of their rounds once submitted; a leader their own team's."""
    if can_read_all(roles):
        return True
    if Role.expert in roles and application.state != S.draft \
            and application.round_id in panel_round_ids(user, community):
        return True
    return Role.leader in roles and application.team_id in led_team_ids(user, community)


def can_see_round(rnd, user, roles, community):
    return can_read_all(roles) or Role.leader in roles or rnd.id in panel_round_ids(user, community)
