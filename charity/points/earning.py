"""Earning points from verified service.

Earning (:func:`award_for_activity`, the receiver of
:data:`charity.signals.activity_verified`): each volunteer on a verified
roster earns ``floor(minutes × points per hour / 60)``, at most the version's cap, plus
the organiser bonus when they were an organiser or leader of the activity's team that
day. The version in force at the verification time applies; an amendment uses the
version of the original it corrects (a correction of the record, not new service), so a
later rule change never rewrites an earlier activity. Exactly once: each earn entry has
the key ``earn:<activity id>:<volunteer id>`` and the database refuses a second entry
with the same key (UNIQUE per community), whichever process tries. An amendment posts a
correcting earn entry per volunteer: points due under the corrected roster less what the
chain of activities already posted, and the honour minutes from
:func:`charity.projects.services.roster_difference`. When a correction takes points back
that were already spent, it takes what is spendable and names the shortfall in the memo;
the next correction or a staff adjustment recovers the rest (the balance never goes
below zero). Honour minutes fall only through such a correction, never by spending.
"""

import sqlalchemy as sa

from charity import signals
from charity.dbutil import lock_row
from charity.extensions import db
from charity.models_base import local_zone, utcnow
from charity.points.errors import InsufficientPoints
from charity.points.ledger import account_for, add_entry, apply_change, consume, entry_exists, open_lot
from charity.points.models import EntryKind, PointAccount, PointEntry, PointRuleVersion
from charity.points.rules import rule_in_force, seed_points
from charity.projects.services import roster_difference, roster_of
from charity.teams.models import TeamMember, TeamRole, Volunteer

# --- earning ---------------------------------------------------------------------------

def _chain(activity):
    """The activities an amendment replaces, newest first (an original has none)."""
    chain, current = [], activity.amends
    while current is not None:
        chain.append(current)
        current = current.amends
    return chain


def _role_on(activity, volunteer_id):
    """The volunteer's role in the activity's team on the activity's (local) day."""
    day = activity.starts_at.astimezone(local_zone()).date()
    member = db.session.scalar(sa.select(TeamMember).where(
        TeamMember.team_id == activity.team_id, TeamMember.volunteer_id == volunteer_id))
    if member is None or member.joined_on > day or (member.left_on is not None and member.left_on <= day):
        return None
    role = None
    for change in member.role_changes:
        if change.changed_on <= day:
            role = change.to_role
    return role or member.role


def entitlement(version, activity, volunteer_id, minutes):
    """Points one volunteer is due for ``minutes`` on ``activity`` under ``version``."""
    if minutes <= 0:
        return 0
    points = minutes * int(version.rates.get(activity.kind.value, 0)) // 60
    if version.cap_per_activity is not None:
        points = min(points, version.cap_per_activity)
    if version.organiser_bonus and _role_on(activity, volunteer_id) in (TeamRole.organiser, TeamRole.leader):
        points += version.organiser_bonus
    return points


def _version_for(activity, chain):
    if chain:
        first = db.session.scalar(sa.select(PointEntry.rule_version_id).where(
            PointEntry.activity_id.in_([a.id for a in chain]), PointEntry.rule_version_id.is_not(None))
            .order_by(PointEntry.id).limit(1))
        if first is not None:
            return db.session.get(PointRuleVersion, first)
        return rule_in_force(activity.community_id, chain[-1].verified_at or activity.verified_at)
    return rule_in_force(activity.community_id, activity.verified_at or utcnow())


def award_for_activity(activity, replaced=None, *, actor=None):
    """Post the points and honour minutes of a verified activity or amendment, once.

    Safe to call again (the demo and a backfill do): entries already posted under the
    activity's keys are skipped. Returns the entries posted now.
    """
    chain = _chain(activity)
    version = _version_for(activity, chain)
    if version is None:
        return []
    minutes_diff = roster_difference(activity)
    new_roster = roster_of(activity)
    old_roster = roster_of(chain[0]) if chain else {}
    posted = {}
    if chain:
        posted = dict(db.session.execute(
            sa.select(PointAccount.volunteer_id, sa.func.sum(PointEntry.points))
            .join(PointAccount, PointAccount.id == PointEntry.account_id)
            .where(PointEntry.activity_id.in_([a.id for a in chain]), PointEntry.kind == EntryKind.earn)
            .group_by(PointAccount.volunteer_id)).all())
    entries = []
    for volunteer_id in sorted(set(new_roster) | set(old_roster)):
        key = f"earn:{activity.id}:{volunteer_id}"
        if entry_exists(activity.community_id, key):
            continue
        due = entitlement(version, activity, volunteer_id, new_roster.get(volunteer_id, 0))
        points = due - int(posted.get(volunteer_id) or 0)
        minutes = minutes_diff.get(volunteer_id, 0)
        if not points and not minutes:
            continue
        volunteer = db.session.get(Volunteer, volunteer_id)
        account = account_for(volunteer)
        memo = str(activity.title) if not chain else f"更正：{activity.title}"
        if points < 0:
            lock_row(PointAccount, account.id)
            db.session.refresh(account)
            taken = min(-points, account.balance)
            if taken < -points:
                memo = f"{memo}（余额不足，尚欠 {-points - taken} 分）"
            points = -taken
        if not apply_change(account.id, points=points, minutes=minutes, earned=points):
            raise InsufficientPoints()
        if not points and not minutes:
            continue
        entry = add_entry(account, EntryKind.earn, key=key, memo=memo, points=points, minutes=minutes,
                       activity_id=activity.id, rule_version_id=version.id, actor=actor)
        if points > 0:
            open_lot(account, entry)
        elif points < 0:
            consume(account.id, -points)
        entries.append(entry)
    db.session.flush()
    return entries


def _on_verified(activity, replaced=None, actor=None):
    award_for_activity(activity, replaced, actor=actor)


def connect_signals():
    """Seed each new community; award points for each verified activity."""
    signals.community_created.connect(seed_points, weak=False)
    signals.activity_verified.connect(_on_verified, weak=False)
