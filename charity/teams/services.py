"""Volunteers, teams and memberships: the rules. Services flush, never commit; each
change is audited in the same transaction.

A ``leader`` role is community-wide, but what a leader may do is limited to the teams in
which their user account is linked to a volunteer who is a current leader of the team.
"""


import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.accounts.models import Community
from charity.audit.services import record, snapshot
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.models_base import local_today
from charity.teams.errors import DuplicateTeam, DuplicateVolunteer, MembershipError  # noqa: F401  (callers use the names here too)
from charity.teams.models import BeneficiaryGroup, Team, TeamMember, TeamRole, TeamRoleChange, Volunteer


def _today():
    return local_today()


# -- who may do what ---------------------------------------------------------------------


def volunteer_of(user, community):
    """The volunteer record linked to ``user`` in ``community``, or None."""
    if user is None or not getattr(user, "is_authenticated", True):
        return None
    return db.session.scalar(sa.select(Volunteer).where(
        Volunteer.community_id == community.id, Volunteer.user_id == user.id))


def led_team_ids(user, community):
    """Ids of the teams that ``user`` currently leads in ``community``."""
    if user is None or community is None or not getattr(user, "is_authenticated", True):
        return set()
    today = _today()
    rows = db.session.scalars(
        sa.select(TeamMember.team_id)
        .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
        .where(Volunteer.community_id == community.id, Volunteer.user_id == user.id,
               TeamMember.role == TeamRole.leader, TeamMember.joined_on <= today,
               sa.or_(TeamMember.left_on.is_(None), TeamMember.left_on > today)))
    return set(rows)


# -- volunteers --------------------------------------------------------------------------


def clean_groups(groups):
    """Beneficiary group codes as stored: known codes only, once each, in the list's order."""
    groups = [BeneficiaryGroup(g).value for g in groups or []]
    return ",".join(sorted(set(groups), key=[m.value for m in BeneficiaryGroup].index))


def _clean_tags(tags):
    parts = [t.strip() for t in (tags or "").replace("，", ",").replace("、", ",").split(",")]
    return ",".join(dict.fromkeys(t for t in parts if t))[:200]


def find_volunteer_by_phone(community, phone):
    return db.session.scalar(sa.select(Volunteer).where(
        Volunteer.community_id == community.id, Volunteer.phone == phone))


def create_volunteer(community, *, name, phone, tags="", consent_on=None, user=None,
                     team=None, role=TeamRole.member, joined_on=None, actor=None):
    """Record a resident volunteer, and add them to ``team`` when given.

    :raises DuplicateVolunteer: the phone number is already recorded in this community.
    :raises ValidationFailed: an empty name, or a user account already linked to another.
    """
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationFailed(_l("Names take 1 to 80 characters."))
    existing = find_volunteer_by_phone(community, phone)
    if existing is not None:
        raise DuplicateVolunteer(existing)
    if user is not None and volunteer_of(user, community) is not None:
        raise ValidationFailed(_l("This account is already linked to another volunteer."))
    volunteer = Volunteer(community_id=community.id, name=name, phone=phone, tags=_clean_tags(tags),
                          consent_on=consent_on, user_id=user.id if user else None)
    db.session.add(volunteer)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as exc:  # recorded by a concurrent request
        existing = find_volunteer_by_phone(community, phone)
        if existing is not None:
            raise DuplicateVolunteer(existing) from exc
        raise
    record("volunteer.create", "volunteer", volunteer.id, community=community, actor=actor,
           label=volunteer.name,
           after=snapshot(volunteer, "name", "phone", "tags", "consent_on", "user_id"))
    if team is not None:
        add_member(team, volunteer, role=role, joined_on=joined_on or _today(), actor=actor)
    return volunteer


# -- teams -------------------------------------------------------------------------------


def create_team(community, *, name, description="", focus_groups=(), actor=None):
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_l("Names take 1 to 100 characters."))
    if db.session.scalar(sa.select(Team.id).where(Team.community_id == community.id,
                                                  Team.name == name)):
        raise DuplicateTeam(_l("A team with this name already exists."))
    team = Team(community_id=community.id, name=name, description=(description or "").strip(),
                focus_groups=clean_groups(focus_groups))
    db.session.add(team)
    db.session.flush()
    record("team.create", "team", team.id, community=community, actor=actor, label=team.name,
           after=snapshot(team, "name", "description", "focus_groups"))
    return team


def _member_snapshot(member):
    return {"volunteer": member.volunteer.name, "role": member.role.value,
            "joined_on": member.joined_on, "left_on": member.left_on}


def add_member(team, volunteer, *, role=TeamRole.member, joined_on=None, actor=None):
    """Add ``volunteer`` to ``team`` (or bring back one who had left).

    :raises MembershipError: they are a current member already.
    :raises ValidationFailed: the volunteer belongs to another community.
    """
    if volunteer.community_id != team.community_id:
        raise ValidationFailed(_l("No such volunteer in this community."))
    role = TeamRole(role)
    joined_on = joined_on or _today()
    member = db.session.scalar(sa.select(TeamMember).where(
        TeamMember.team_id == team.id, TeamMember.volunteer_id == volunteer.id))
    before = None
    if member is not None:
        if member.left_on is None:
            raise MembershipError(_l("%(name)s is already a member of this team.", name=volunteer.name))
        before = _member_snapshot(member)
        from_role = member.role
        member.role, member.joined_on, member.left_on = role, joined_on, None
    else:
        from_role = None
        member = TeamMember(team=team, volunteer=volunteer, role=role, joined_on=joined_on)
        db.session.add(member)
    db.session.flush()
    db.session.add(TeamRoleChange(member=member, from_role=from_role, to_role=role, changed_on=joined_on,
                                  changed_by_id=actor_id(actor)))
    db.session.flush()
    record("team.member_add", "team", team.id, community=community_of(team), actor=actor, label=team.name,
           before=before, after=_member_snapshot(member))
    return member


def change_role(member, role, *, on=None, actor=None):
    """Give a current member a new role in the team; the step is kept as history."""
    role = TeamRole(role)
    if member.left_on is not None:
        raise MembershipError(_l("%(name)s has left this team.", name=member.volunteer.name))
    if member.role == role:
        raise MembershipError(_l("%(name)s already has this role.", name=member.volunteer.name))
    before = _member_snapshot(member)
    db.session.add(TeamRoleChange(member=member, from_role=member.role, to_role=role,
                                  changed_on=on or _today(), changed_by_id=actor_id(actor)))
    member.role = role
    db.session.flush()
    record("team.member_role", "team", member.team_id, community=community_of(member.team), actor=actor,
           label=member.team.name, before=before, after=_member_snapshot(member))
    return member


def leave(member, *, on=None, actor=None):
    on = on or _today()
    if member.left_on is not None:
        raise MembershipError(_l("%(name)s has left this team.", name=member.volunteer.name))
    if on < member.joined_on:
        raise MembershipError(_l("The leaving date is before the joining date."))
    before = _member_snapshot(member)
    member.left_on = on
    db.session.flush()
    record("team.member_leave", "team", member.team_id, community=community_of(member.team), actor=actor,
           label=member.team.name, before=before, after=_member_snapshot(member))
    return member


def actor_id(actor):
    """The id of the user who acts, None from the command line."""
    return actor.id if actor is not None else None


def community_of(obj):
    """The community a row with a ``community_id`` belongs to."""
    return db.session.get(Community, obj.community_id)
