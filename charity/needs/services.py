"""The needs list and council meetings. One transition function moves a need through its
states; an illegal move raises :class:`IllegalNeedTransition` and changes nothing."""


import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.accounts.models import Community, Membership, Role, User
from charity.audit.services import record, snapshot
from charity.errors import IllegalTransition, ValidationFailed
from charity.extensions import db
from charity.needs.errors import (  # noqa: F401  (callers use the names here too)
    ConsentMissing,
    DeclineReasonMissing,
    MatchTargetAmbiguous,
    MatchTargetInvalid,
)
from charity.needs.models import CouncilMeeting, MeetingAttendee, Need, NeedSource, NeedState, Urgency
from charity.partners.labels import STATE_LABELS
from charity.partners.models import BeneficiaryGroup, Partner, PartnerStatus, Service, ServiceCategory
from charity.statemachine import Workflow
from charity.teams.models import Team

#: The need's state does not allow this step: the one :class:`IllegalTransition`.
IllegalNeedTransition = IllegalTransition


#: action -> (states it may start from, state it leads to). The only moves a need can make.
NEED_TRANSITIONS = {
    "match": ({NeedState.open}, NeedState.matched),
    "start": ({NeedState.matched}, NeedState.in_service),
    "close": ({NeedState.in_service}, NeedState.closed),
    "decline": ({NeedState.open, NeedState.matched}, NeedState.declined),
    "reopen": ({NeedState.declined, NeedState.closed}, NeedState.open),
}

#: The same table read as (state, action) -> new state.
TRANSITIONS = {(source, action): target
               for action, (sources, target) in NEED_TRANSITIONS.items()
               for source in NeedState if source in sources}

ACTIONS = tuple(NEED_TRANSITIONS)


def _refused(need, action):
    return _l("A need that is %(state)s cannot be %(action)s.",
              state=state_word(need.state), action=ACTION_WORDS.get(action, action))


def _need_label(need):
    return f"#{need.id} {need.description[:40]}"


FLOW = Workflow(Need, NEED_TRANSITIONS, audit_prefix="need", object_type="need", refused=_refused,
                label=_need_label)


def allowed_actions(need):
    return FLOW.allowed(need)


def _need_snapshot(need):
    return {
        "state": need.state.value,
        "service": (f"{need.matched_service.partner.name} · {need.matched_service.name}"
                    if need.matched_service else None),
        "team": need.matched_team.name if need.matched_team else None,
        "match_note": need.match_note,
        "meeting": need.matched_meeting.title if need.matched_meeting else None,
        "decline_reason": need.decline_reason,
    }


def transition(need, action, *, service_id=None, team_id=None, note=None, meeting_id=None, reason=None,
               actor=None):
    """Move ``need`` by ``action`` (see :data:`TRANSITIONS`).

    ``match`` takes exactly one target: ``service_id`` (an active service of an active
    partner of the same community) or ``team_id`` (a team of the same community), an
    optional ``note`` and ``meeting_id`` (the meeting that decided it);
    ``decline`` takes a ``reason``; ``reopen`` clears the match and the reason.

    :raises IllegalNeedTransition: the need's state does not allow ``action``.
    :raises MatchTargetAmbiguous: both a service and a team, or neither.
    :raises MatchTargetInvalid: no such service or team to match.
    :raises DeclineReasonMissing: declining without a reason.
    """
    FLOW.check(need, action)
    before = _need_snapshot(need)
    values = {}
    if action == "match":
        if service_id and team_id:
            raise MatchTargetAmbiguous(_l("Choose a service or a team, not both."))
        if not service_id and not team_id:
            raise MatchTargetAmbiguous(_l("Choose a service or a team."))
        service = team = None
        if service_id:
            service = db.session.scalar(
                sa.select(Service).join(Service.partner).where(
                    Service.id == service_id, Service.community_id == need.community_id,
                    Service.active.is_(True), Partner.status == PartnerStatus.active))
            if service is None:
                raise MatchTargetInvalid(_l("Choose an active service of an active partner."))
        else:
            team = db.session.get(Team, team_id)
            if team is None or team.community_id != need.community_id:
                raise MatchTargetInvalid(_l("Choose a team of this community."))
        meeting = None
        if meeting_id:
            meeting = db.session.get(CouncilMeeting, meeting_id)
            if meeting is None or meeting.community_id != need.community_id:
                raise MatchTargetInvalid(_l("Choose a meeting of this community."))
        values = {"matched_service_id": service.id if service else None,
                  "matched_team_id": team.id if team else None,
                  "matched_meeting_id": meeting.id if meeting else None,
                  "match_note": (note or "").strip() or None}
    elif action == "decline":
        reason = (reason or "").strip()
        if not reason:
            raise DeclineReasonMissing(_l("Give the reason for declining."))
        values = {"decline_reason": reason}
    elif action == "reopen":
        values = {"matched_service_id": None, "matched_team_id": None, "matched_meeting_id": None,
                  "match_note": None, "decline_reason": None}
    # The state and the columns change in one UPDATE (the table's CHECKs tie them together).
    return FLOW.step(need, action, values=values, actor=actor, before=before, after=_need_snapshot,
                     community=db.session.get(Community, need.community_id))


ACTION_WORDS = {
    "match": _l("matched"),
    "start": _l("put in service"),
    "close": _l("closed"),
    "decline": _l("declined"),
    "reopen": _l("reopened"),
}


def match_target(need):
    """The matched service ("partner · service") or team, in words; None when unmatched."""
    if need.matched_service is not None:
        return f"{need.matched_service.partner.name} · {need.matched_service.name}"
    if need.matched_team is not None:
        return need.matched_team.name
    return None


def state_word(state):

    return STATE_LABELS[state.value]


def create_need(community, data, *, actor=None):
    """Record a need.

    :raises ConsentMissing: a resident is named without their recorded consent.
    :raises ValidationFailed: an unknown category or a count below one.
    """
    name = (data.get("resident_name") or "").strip() or None
    if name and not data.get("consent_recorded"):
        raise ConsentMissing(_l("A resident may be named only with their recorded consent."))
    category = db.session.get(ServiceCategory, data["category_id"])
    if category is None or category.community_id != community.id:
        raise ValidationFailed(_l("Choose a category from the list."))
    if data.get("people_count", 1) < 1:
        raise ValidationFailed(_l("Give a whole number above zero, or leave it empty."))
    description = (data.get("description") or "").strip()
    if not description:
        raise ValidationFailed(_l("This field is required."))
    need = Need(community_id=community.id, group=BeneficiaryGroup(data["group"]),
                people_count=data.get("people_count") or 1, resident_name=name,
                consent_recorded=bool(name and data.get("consent_recorded")),
                category_id=category.id, description=description,
                urgency=Urgency(data.get("urgency") or "normal"), source=NeedSource(data["source"]),
                recorded_by_id=actor.id if actor is not None else None)
    db.session.add(need)
    db.session.flush()
    after = snapshot(need, "group", "people_count", "urgency", "source", "description")
    after["category"] = category.name
    after["resident_named"] = bool(name)
    record("need.create", "need", need.id, community=community, actor=actor, label=_need_label(need),
           after=after)
    return need


def council_members(community):
    ids = sa.select(Membership.user_id).where(Membership.community_id == community.id,
                                              Membership.role.in_([Role.council, Role.admin]))
    return db.session.scalars(sa.select(User).where(User.id.in_(ids), User.active.is_(True))
                              .order_by(User.display_name)).all()


def create_meeting(community, data, *, actor=None):
    """Record a council meeting with its attendees (council members and invited partners).

    :raises ValidationFailed: an attendee who is not a council member or partner here.
    """
    title = (data.get("title") or "").strip()
    if not title:
        raise ValidationFailed(_l("This field is required."))
    members = {u.id for u in council_members(community)}
    user_ids = set(data.get("user_ids") or [])
    partner_ids = set(data.get("partner_ids") or [])
    if user_ids - members:
        raise ValidationFailed(_l("Attendees must be council members or staff of this community."))
    if partner_ids and len(db.session.scalars(sa.select(Partner.id).where(
            Partner.id.in_(partner_ids), Partner.community_id == community.id)).all()) != len(partner_ids):
        raise ValidationFailed(_l("Invited partners must be partners of this community."))
    meeting = CouncilMeeting(community_id=community.id, held_on=data["held_on"], title=title,
                             agenda=data.get("agenda") or "", minutes=data.get("minutes") or "",
                             decisions=data.get("decisions") or "",
                             other_attendees=(data.get("other_attendees") or "").strip())
    meeting.attendees = ([MeetingAttendee(user_id=i) for i in sorted(user_ids)]
                         + [MeetingAttendee(partner_id=i) for i in sorted(partner_ids)])
    db.session.add(meeting)
    db.session.flush()
    record("meeting.create", "meeting", meeting.id, community=community, actor=actor, label=title,
           after=snapshot(meeting, "held_on", "title"))
    return meeting


def matched_at(meeting):
    return db.session.scalars(sa.select(Need).where(Need.matched_meeting_id == meeting.id)
                              .order_by(Need.id)).all()


