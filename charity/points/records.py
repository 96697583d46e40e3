"""Plain data for the points' printed records: the passbook (爱心存折), the merchant's
monthly settlement, and the volunteer service record certificate (志愿服务记录证明).

The certificate follows the Ministry of Civil Affairs' measures for recording volunteer
service (2021): the recording organisation issues it free on request, with the
volunteer's identity (name, ID type and number — printed masked — and volunteer number),
the service hours and content for the period, training and commendations, the issuing
organisation with its person in charge, handler and contact, a certificate number and
date, and room for the seal. Every issued certificate is registered
(:class:`~charity.points.models.Certificate`) with a snapshot of what was printed, and
can be checked later by its number.

Hours on the certificate are the verified rosters of the period (an amended activity
counts once, as corrected); they agree with the honour minutes of the ledger.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.audit.services import record
from charity.dbutil import lock_row
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.models_base import local_today, local_zone, utcnow
from charity.points.labels import ACTIVITY_KIND_NAMES, ENTRY_KIND_NAMES, ID_TYPE_NAMES
from charity.points.ledger import account_for
from charity.points.models import (
    Certificate,
    Commendation,
    IdType,
    PointEntry,
    PointSettings,
)
from charity.points.rules import settings_for
from charity.projects.models import Activity, ActivityKind, ActivityState, Attendance
from charity.projects.services import period_bounds
from charity.teams.models import Team, Volunteer
from charity.teams.services import actor_id, community_of

CHECK_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def mask_id_number(number):
    """``510104195801011234`` -> ``5101**********1234``: recognisable, not usable."""
    if not number:
        return ""
    text = str(number)
    if len(text) <= 8:
        return text[:1] + "*" * (len(text) - 1)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_name(name):
    """``赵阿姨`` -> ``赵**``; ``王五`` -> ``王*``."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


# --- passbook --------------------------------------------------------------------------

@dataclass
class PassbookRow:
    when: datetime
    kind: str
    memo: str
    points: int
    held: int
    balance: int


@dataclass
class Passbook:
    community: str
    volunteer: str
    volunteer_number: str
    balance: int
    held: int
    lifetime_points: int
    lifetime_minutes: int
    rows: list = field(default_factory=list)
    generated_by: str = ""
    generated_at: datetime | None = None


def build_passbook(volunteer, *, generated_by=""):
    """Every entry of the volunteer's account, oldest first, with the running balance."""
    account = account_for(volunteer)
    book = Passbook(community=community_of(volunteer).name, volunteer=volunteer.name,
                    volunteer_number=volunteer.volunteer_number or "", balance=account.balance,
                    held=account.held, lifetime_points=account.lifetime_points,
                    lifetime_minutes=account.lifetime_minutes, generated_by=generated_by,
                    generated_at=utcnow())
    running = 0
    for entry in db.session.scalars(sa.select(PointEntry).where(PointEntry.account_id == account.id)
                                    .order_by(PointEntry.id)):
        running += entry.points
        book.rows.append(PassbookRow(when=entry.created_at, kind=str(ENTRY_KIND_NAMES[entry.kind]),
                                     memo=entry.memo, points=entry.points, held=entry.held, balance=running))
    return book


# --- certificate -----------------------------------------------------------------------

def service_rows(volunteer, start, end):
    """Verified service of the volunteer with activity start in [start, end] (local days):
    ``[(day, title, team, kind name, minutes)]``."""
    lower, upper = period_bounds(start, end, local_zone())
    rows = db.session.execute(
        sa.select(Activity, Attendance.minutes, Team.name)
        .join(Attendance, Attendance.activity_id == Activity.id)
        .join(Team, Team.id == Activity.team_id)
        .where(Attendance.volunteer_id == volunteer.id, Activity.state == ActivityState.verified,
               Activity.starts_at >= lower, Activity.starts_at < upper)
        .order_by(Activity.starts_at, Activity.id)).all()
    return [(a.starts_at.astimezone(local_zone()).date(), a.title, team, str(ACTIVITY_KIND_NAMES[a.kind]),
             minutes, a.kind) for a, minutes, team in rows]


def commendations(volunteer, start=None, end=None):
    stmt = sa.select(Commendation).where(Commendation.volunteer_id == volunteer.id)
    if start:
        stmt = stmt.where(Commendation.awarded_on >= start)
    if end:
        stmt = stmt.where(Commendation.awarded_on <= end)
    return db.session.scalars(stmt.order_by(Commendation.awarded_on, Commendation.id)).all()


def add_commendation(volunteer, *, kind, title, awarded_on, issuer="", actor=None):
    """Record a training course or a commendation of a volunteer (audited)."""
    if kind not in ("training", "commendation"):
        raise ValidationFailed(_l("Choose training or commendation."))
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise ValidationFailed(_l("Titles take 1 to 120 characters."))
    if awarded_on is None or awarded_on > local_today():
        raise ValidationFailed(_l("The date cannot be in the future."))
    row = Commendation(community_id=volunteer.community_id, volunteer_id=volunteer.id, kind=kind,
                       title=title, awarded_on=awarded_on, issuer=(issuer or "").strip()[:120],
                       created_by_id=actor_id(actor))
    db.session.add(row)
    db.session.flush()
    record("points.commendation", "volunteer", volunteer.id, community=community_of(volunteer),
           actor=actor, label=volunteer.name, after={"kind": kind, "title": title, "awarded_on": awarded_on})
    return row


def set_identity(volunteer, *, id_type, id_number, volunteer_number, actor=None):
    """Set the identity printed on certificates (admins only see it in full)."""
    if id_type:
        IdType(id_type)
    id_number = (id_number or "").strip().upper() or None
    if id_number and id_type == IdType.resident_id and not re.fullmatch(r"\d{17}[\dX]", id_number):
        raise ValidationFailed(_l("A resident identity card number has 18 characters: 17 digits, then a "
                                  "digit or X."))
    if id_number and not id_type:
        raise ValidationFailed(_l("Choose the type of the identity document."))
    number = (volunteer_number or "").strip() or None
    if number and db.session.scalar(sa.select(Volunteer.id).where(
            Volunteer.community_id == volunteer.community_id, Volunteer.volunteer_number == number,
            Volunteer.id != volunteer.id)):
        raise ValidationFailed(_l("Another volunteer already has this volunteer number."))
    before = {"id_type": volunteer.id_type, "id_number": volunteer.id_number,
              "volunteer_number": volunteer.volunteer_number}
    volunteer.id_type = id_type or None
    volunteer.id_number = id_number
    volunteer.volunteer_number = number
    db.session.flush()
    record("volunteer.identity", "volunteer", volunteer.id, community=community_of(volunteer),
           actor=actor, label=volunteer.name, before=before,
           after={"id_type": volunteer.id_type, "id_number": volunteer.id_number,
                  "volunteer_number": volunteer.volunteer_number})
    return volunteer


def hours_text(minutes):
    """``375`` minutes -> ``6.25`` (hours, at most two decimals)."""
    hours, rest = divmod(minutes, 60)
    return f"{hours}.{rest * 100 // 60:02d}".rstrip("0").rstrip(".") if rest else str(hours)


def issue_certificate(volunteer, start, end, *, actor=None):
    """Number, register and return a certificate for the volunteer's service in
    [start, end]; its ``snapshot`` is what the PDF prints.

    :raises ValidationFailed: a period that is reversed or ends in the future.
    """
    if start is None or end is None or end < start:
        raise ValidationFailed(_l("The end must not be before the start."))
    if end > local_today():
        raise ValidationFailed(_l("The period cannot end in the future."))
    community = community_of(volunteer)
    settings = settings_for(community)
    lock_row(PointSettings, settings.id)  # certificate numbers are given out one at a time
    today = local_today()
    seq = (db.session.scalar(sa.select(sa.func.max(Certificate.seq)).where(
        Certificate.community_id == community.id, Certificate.year == today.year)) or 0) + 1
    check = "".join(secrets.choice(CHECK_ALPHABET) for _ in range(4))
    number = f"ZM{today.year}-{seq:05d}-{check}"
    rows = service_rows(volunteer, start, end)
    minutes = sum(r[4] for r in rows)
    trainings = [c for c in commendations(volunteer, start, end) if c.kind == "training"]
    awards = [c for c in commendations(volunteer, start, end) if c.kind == "commendation"]
    training_lines = [f"{c.awarded_on.isoformat()} {c.title}" + (f"（{c.issuer}）" if c.issuer else "")
                      for c in trainings]
    training_lines += [f"{day.isoformat()} {title}（{team}）" for day, title, team, _k, _m, kind in rows
                       if kind == ActivityKind.training]
    snapshot = {
        "number": number, "issued_on": today.isoformat(), "community": community.name,
        "name": volunteer.name,
        "id_type": str(ID_TYPE_NAMES[IdType(volunteer.id_type)]) if volunteer.id_type else "",
        "id_number_masked": mask_id_number(volunteer.id_number),
        "volunteer_number": volunteer.volunteer_number or "",
        "period_start": start.isoformat(), "period_end": end.isoformat(),
        "minutes": minutes, "hours": hours_text(minutes), "activity_count": len(rows),
        "service": [{"day": day.isoformat(), "title": title, "team": team, "kind": kind_name,
                     "hours": hours_text(m)} for day, title, team, kind_name, m, _kind in rows],
        "training": training_lines,
        "commendations": [f"{c.awarded_on.isoformat()} {c.title}" + (f"（{c.issuer}）" if c.issuer else "")
                          for c in awards],
        "issuing_org": settings.issuing_org or community.name,
        "person_in_charge": settings.person_in_charge, "handler": settings.handler,
        "contact_phone": settings.contact_phone,
    }
    cert = Certificate(community_id=community.id, volunteer_id=volunteer.id, number=number, year=today.year,
                       seq=seq, period_start=start, period_end=end, minutes=minutes, issued_on=today,
                       snapshot=snapshot, issued_by_id=actor_id(actor))
    db.session.add(cert)
    db.session.flush()
    record("points.certificate", "service_certificate", cert.id, community=community, actor=actor,
           label=volunteer.name, after={"number": number, "period_start": start, "period_end": end,
                                        "minutes": minutes})
    return cert


def find_certificate(number):
    """A registered certificate by its number (any community), or None."""
    text = (number or "").strip().upper()
    if not text:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.number == text))


def public_view(cert):
    """What the public check page shows: masked name, hours, period, issue date, issuer."""
    snap = cert.snapshot
    return {"number": cert.number, "name": mask_name(snap["name"]), "hours": snap["hours"],
            "period_start": date.fromisoformat(snap["period_start"]),
            "period_end": date.fromisoformat(snap["period_end"]),
            "issued_on": date.fromisoformat(snap["issued_on"]), "issuing_org": snap["issuing_org"]}

