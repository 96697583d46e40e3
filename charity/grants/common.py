"""What several grant modules share: the round's audit snapshot (steps 1–2); after the
award, the grant's community, the checks of the leader and the council, text and date
checks, the grant's conditional UPDATE and snapshot; and the audit labels of steps 5–7.
The money rules are in :mod:`charity.grants.models` ("Money design"). Services flush,
never commit; on an error the caller rolls back (a refused step may have flushed part of
its work).
"""

from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.accounts.models import Community, Role
from charity.audit import labels
from charity.errors import ValidationFailed
from charity.extensions import db
from charity.grants.errors import (
    NotAnEvaluator,
    NotTheLeader,
    Recused,
)
from charity.grants.models import ConflictDeclaration, ConflictKind
from charity.grants.models_award import Grant
from charity.models_base import local_today, local_zone
from charity.teams.services import led_team_ids


def _community(obj):
    return db.session.get(Community, obj.community_id)


def _check_leader(grant, actor):
    application = grant.application
    if application.team_id not in led_team_ids(actor, _community(grant)):
        raise NotTheLeader()


def _check_council(grant, actor):
    """``actor`` holds the council role and declared no conflict on the application."""
    if actor is None or Role.council not in actor.roles_in(grant.community_id):
        raise NotAnEvaluator()
    conflict = db.session.scalar(sa.select(ConflictDeclaration).where(
        ConflictDeclaration.application_id == grant.application_id,
        ConflictDeclaration.user_id == actor.id, ConflictDeclaration.kind != ConflictKind.none))
    if conflict is not None:
        raise Recused()


def _text(value, limit, message):
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message)
    return value[:limit]


def _check_day(day, *, not_before=None):
    if not isinstance(day, date):
        raise ValidationFailed(_l("Give the date."))
    if day > local_today():
        raise ValidationFailed(_l("The date cannot be in the future."))
    if not_before is not None and day < not_before:
        raise ValidationFailed(_l("The date cannot be before %(day)s.", day=not_before.isoformat()))


def _grant_update(grant, condition, **values):
    """One conditional UPDATE of the grant's amounts; True when the row matched."""
    result = db.session.execute(
        sa.update(Grant).where(Grant.id == grant.id, condition).values(**values)
        .execution_options(synchronize_session=False))
    db.session.expire(grant)
    return result.rowcount == 1


def _project_label(grant):
    """What the ledger's "project" column shows for the grant's postings (100 characters)."""
    return grant.project.title[:100]


def _round_snapshot(rnd):
    return {"name": rnd.name, "cap_fen": rnd.cap_fen, "max_per_application_fen": rnd.max_per_application_fen,
            "opens_on": rnd.opens_on.isoformat(), "closes_on": rnd.closes_on.isoformat(),
            "quorum_rule": rnd.quorum_rule.value, "notice_days": rnd.notice_days,
            "chair": rnd.chair.display_name if rnd.chair else None,
            "criteria": [f"{c.name} {c.weight}%" for c in rnd.criteria]}


def _grant_snapshot(grant):
    return {"disbursed_fen": grant.disbursed_fen, "spent_fen": grant.spent_fen,
            "returned_fen": grant.returned_fen}


def grant_of(application):
    return application.grant


def _local_day(moment):
    return moment.astimezone(local_zone()).date() if moment else None


def agreement_start(grant):
    """The first moment that counts under the grant's agreement (local midnight of the day
    it was signed), or None while it is unsigned: work before it is earlier work, not
    delivery under the agreement."""
    if grant.signed_on is None:
        return None
    return datetime.combine(grant.signed_on, time(), local_zone())


labels.register(
    actions={
        "grant.agreement.create": _l("Grant awarded: agreement drawn up"),
        "grant.agreement.signed": _l("Funding agreement signed"),
        "grant.tranche.paid": _l("Grant tranche paid"),
        "grant.payments_stopped": _l("Grant payments stopped"),
        "grant.evaluation.submit": _l("Mid-term self-evaluation submitted"),
        "grant.evaluation.resubmit": _l("Mid-term self-evaluation resubmitted"),
        "grant.evaluation.pass": _l("Mid-term evaluation passed"),
        "grant.evaluation.fail": _l("Mid-term evaluation failed"),
        "grant.evaluation.ask_more": _l("More material asked for the mid-term evaluation"),
        "grant.claim.submit": _l("Expense claim submitted"),
        "grant.claim.approve": _l("Expense claim approved"),
        "grant.claim.reject": _l("Expense claim rejected"),
        "grant.report.submit": _l("Final report submitted"),
        "grant.report.accept": _l("Final report accepted"),
        "grant.report.return": _l("Final report returned"),
        "grant.refund": _l("Unspent grant money returned to the fund"),
    },
    objects={"grant": _l("Grant")},
    fields={
        "disbursed_fen": _l("Paid out (fen)"),
        "spent_fen": _l("Spent (fen)"),
        "returned_fen": _l("Returned (fen)"),
        "awarded_fen": _l("Awarded (fen)"),
        "tranche": _l("Tranche"),
        "signed_on": _l("Signed on"),
        "team_signatory": _l("Signed for the team"),
        "centre_signatory": _l("Signed for the service centre"),
        "opinion": _l("Opinion"),
        "payments_stopped": _l("Payments stopped"),
    },
)
