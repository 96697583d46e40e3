"""Step 1: grant rounds (the call, its criteria, its budget cap and dates). The rules are
in :mod:`charity.grants.models` (design notes). Services flush, never commit.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.audit.services import record
from charity.dbutil import lock_row
from charity.extensions import db
from charity.grants.common import _round_snapshot
from charity.grants.errors import (
    RoundInvalid,
)
from charity.grants.models import (
    Application,
    GrantRound,
    QuorumRule,
    RoundCriterion,
    ScoreSheet,
)
from charity.models_base import local_today
from charity.teams.services import actor_id
from charity.teams.services import community_of as _community

#: How Chinese micro-venture panels score (weights in percent, summing to 100).
DEFAULT_CRITERIA = [
    (_l("Beneficiaries and needs analysis"),
     _l("Who is served, how the need was found, how many people."), 25),
    (_l("Project design and distinctiveness"), _l("Activities, their fit to the need, what is new."), 25),
    (_l("Feasibility and risk"),
     _l("Schedule, venues, safety, what could go wrong and the plan for it."), 20),
    (_l("Budget soundness"), _l("Costs that are needed, reasonable and checked."), 15),
    (_l("Team capacity"), _l("Members, experience, the leader's record, volunteers engaged."), 15),
]


def _check_round(data):
    name = (data.get("name") or "").strip()
    if not name or len(name) > 120:
        raise RoundInvalid(_l("Names take 1 to 120 characters."))
    cap, most = data.get("cap_fen"), data.get("max_per_application_fen")
    if not cap or cap <= 0 or not most or most <= 0:
        raise RoundInvalid(_l("The cap and the maximum per application must be more than zero."))
    if most > cap:
        raise RoundInvalid(_l("The maximum per application cannot exceed the round's cap."))
    if data["closes_on"] < data["opens_on"]:
        raise RoundInvalid(_l("The round cannot close before it opens."))
    if not 1 <= (data.get("notice_days") or 0) <= 30:
        raise RoundInvalid(_l("The public notice lasts 1 to 30 working days."))
    return name


def _check_criteria(criteria):
    rows = [(str(n).strip(), str(d or "").strip(), w) for n, d, w in criteria if str(n).strip()]
    if not rows:
        raise RoundInvalid(_l("Give at least one scoring criterion."))
    if any(not isinstance(w, int) or w <= 0 or w > 100 for _n, _d, w in rows):
        raise RoundInvalid(_l("Each criterion's weight is a whole percent from 1 to 100."))
    if sum(w for _n, _d, w in rows) != 100:
        raise RoundInvalid(_l("The criteria's weights must add up to 100."))
    if len({n for n, _d, _w in rows}) != len(rows):
        raise RoundInvalid(_l("Two criteria have the same name."))
    return [(n[:100], d[:500], w) for n, d, w in rows]


def create_round(community, data, *, criteria=None, actor=None):
    """A new round; ``criteria`` is a list of (name, description, weight), default
    :data:`DEFAULT_CRITERIA`.

    :raises RoundInvalid: a bad setting, or weights not adding up to 100.
    """
    name = _check_round(data)
    rows = _check_criteria(criteria if criteria is not None
                           else [(str(n), str(d), w) for n, d, w in DEFAULT_CRITERIA])
    if db.session.scalar(sa.select(GrantRound.id).where(GrantRound.community_id == community.id,
                                                        GrantRound.name == name)):
        raise RoundInvalid(_l("A round with this name exists already."))
    rnd = GrantRound(community_id=community.id, name=name,
                     eligibility=(data.get("eligibility") or "").strip(),
                     cap_fen=data["cap_fen"], committed_fen=0,
                     max_per_application_fen=data["max_per_application_fen"],
                     opens_on=data["opens_on"], closes_on=data["closes_on"],
                     quorum_rule=QuorumRule(data.get("quorum_rule") or QuorumRule.majority),
                     notice_days=data.get("notice_days") or 5, created_by_id=actor_id(actor))
    rnd.criteria = [RoundCriterion(position=i, name=n, description=d, weight=w)
                    for i, (n, d, w) in enumerate(rows, start=1)]
    db.session.add(rnd)
    db.session.flush()
    record("grant.round.create", "grant_round", rnd.id, community=community, actor=actor, label=rnd.name,
           after=_round_snapshot(rnd))
    return rnd


def scored(rnd):
    """True once anyone has scored an application of the round (criteria then stay fixed)."""
    return bool(db.session.scalar(sa.select(sa.func.count(ScoreSheet.id)).join(
        Application, Application.id == ScoreSheet.application_id).where(Application.round_id == rnd.id)))


def update_round(rnd, data, *, criteria=None, actor=None):
    """Change a round's settings (and criteria, until the first score).

    :raises RoundInvalid: a bad setting; the cap below what is already committed; the
        criteria changed after scoring started.
    """
    lock_row(GrantRound, rnd.id)
    db.session.refresh(rnd)
    name = _check_round(data)
    if data["cap_fen"] < rnd.committed_fen:
        raise RoundInvalid(_l("The cap cannot be lower than the amount already committed."))
    if db.session.scalar(sa.select(GrantRound.id).where(GrantRound.community_id == rnd.community_id,
                                                        GrantRound.name == name, GrantRound.id != rnd.id)):
        raise RoundInvalid(_l("A round with this name exists already."))
    before = _round_snapshot(rnd)
    if criteria is not None:
        rows = _check_criteria(criteria)
        current = [(c.name, c.description, c.weight) for c in rnd.criteria]
        if rows != current:
            if scored(rnd):
                raise RoundInvalid(_l("Scoring has started: the criteria can no longer change."))
            rnd.criteria.clear()
            db.session.flush()
            rnd.criteria.extend(RoundCriterion(position=i, name=n, description=d, weight=w)
                                for i, (n, d, w) in enumerate(rows, start=1))
    rnd.name = name
    rnd.eligibility = (data.get("eligibility") or "").strip()
    rnd.cap_fen = data["cap_fen"]
    rnd.max_per_application_fen = data["max_per_application_fen"]
    rnd.opens_on, rnd.closes_on = data["opens_on"], data["closes_on"]
    rnd.quorum_rule = QuorumRule(data.get("quorum_rule") or rnd.quorum_rule)
    rnd.notice_days = data["notice_days"]
    db.session.flush()
    after = _round_snapshot(rnd)
    if after != before:
        record("grant.round.update", "grant_round", rnd.id, community=_community(rnd), actor=actor,
               label=rnd.name, before=before, after=after)
    return rnd


def is_open(rnd, today=None):
    today = today or local_today()
    return rnd.opens_on <= today <= rnd.closes_on
