"""Who may reach the micro-venture grant pages. Staff run rounds and panels; council,
staff and auditors read everything; an expert reviewer only the rounds of their panel
(the sample round has the world's expert on it); a leader their own team's applications;
anyone, signed in or not, the public notice and its objection form."""

import sqlalchemy as sa

from tests.access_rules import EVERYONE, INVALID, MISSING, OK, REDIRECT, UNPROCESSABLE, rule

READERS = {"admin", "council", "auditor"}
ALL = READERS | {"leader", "expert"}
PANEL = {"admin", "council", "expert"}

MATRIX = {
    ("grants.index", "GET"): rule(allowed=ALL),
    ("grants.round_new", "GET"): rule(allowed={"admin"}),
    ("grants.round_new", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE),
    ("grants.round_edit", "GET"): rule(allowed={"admin"}, other=MISSING),
    ("grants.round_edit", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("grants.round_detail", "GET"): rule(allowed=ALL, other=MISSING),
    ("grants.panel_add", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("grants.panel_remove", "POST"): rule(allowed={"admin"}, ok=REDIRECT, other=MISSING),
    ("grants.panel_chair", "POST"): rule(allowed={"admin"}, ok=REDIRECT, other=MISSING, data={"user_id": "0"}),
    ("grants.round_summary_pdf", "GET"): rule(allowed=READERS, other=MISSING),
    ("grants.application_new", "GET"): rule(allowed={"leader"}),
    ("grants.application_new", "POST"): rule(allowed={"leader"}, ok=UNPROCESSABLE),
    ("grants.application_edit", "GET"): rule(allowed={"leader"}),
    ("grants.application_edit", "POST"): rule(allowed={"leader"}, ok=UNPROCESSABLE),
    ("grants.application_detail", "GET"): rule(allowed=ALL, other=MISSING),
    ("grants.attachment_add", "POST"): rule(allowed={"leader"}, ok=UNPROCESSABLE),
    ("grants.attachment_file", "GET"): rule(allowed=ALL, other=MISSING),
    ("grants.application_step", "POST"): rule(allowed={"admin", "leader"}, ok=INVALID, other=MISSING),
    ("grants.conflict", "POST"): rule(allowed=PANEL, ok=UNPROCESSABLE, other=MISSING),
    ("grants.score", "POST"): rule(allowed=PANEL, ok=UNPROCESSABLE, other=MISSING),
    ("grants.close_scoring", "POST"): rule(allowed=PANEL, ok=REDIRECT, other=MISSING),
    ("grants.vote", "POST"): rule(allowed={"admin", "council"}, ok=UNPROCESSABLE, other=MISSING),
    ("grants.objection_resolve", "POST"): rule(allowed={"admin", "council"}, ok=UNPROCESSABLE, other=MISSING),
    # The public notice: no sign-in; an empty objection is refused with its form (422).
    ("grants_public.notice", "GET"): rule(anonymous=OK, allowed=EVERYONE, other=OK),
    ("grants_public.objection", "POST"): rule(anonymous=UNPROCESSABLE, allowed=EVERYONE, ok=UNPROCESSABLE,
                                              other=UNPROCESSABLE),
}


def _scenario(app, world):
    """The sample round of A (the world's council member and expert on its panel), the
    leader's team, an application in review with an attachment, and a second team's
    grant in public notice with an objection. Built once per world."""
    from charity.extensions import db
    from charity.grants import notice
    from charity.grants.models import Application, ApplicationAttachment, GrantRound, Objection
    from tests import grants_helpers as h

    with app.app_context():
        rnd = db.session.scalar(sa.select(GrantRound).where(GrantRound.community_id == world.a))
        if rnd is None:
            from charity.teams.models import Team
            from tests.access_teams import build_scenario

            teams = build_scenario(app, world)  # team A led by the world's leader, team B by leader_b
            rnd = h.make_round(world, extra_council=0)
            application = h.make_application(world, rnd, db.session.get(Team, teams.team_a))
            db.session.add(ApplicationAttachment(application_id=application.id, stored_name="0" * 32 + ".pdf",
                                                 original_name="预算说明.pdf", content_type="application/pdf",
                                                 size=9))
            _write_sample_file(app)
            other = h.make_application(world, rnd, db.session.get(Team, teams.team_b), title="空巢老人探访",
                                       leader="leader_b")
            h.to_notice(world, other)
            notice.lodge_objection(h.community(world), other.id, name="李女士", contact="13800001111",
                                   reason="理由")
            db.session.commit()
        return {
            "round_id": rnd.id,
            "application_id": db.session.scalar(sa.select(sa.func.min(Application.id)).where(
                Application.round_id == rnd.id)),
            "reviewer_id": rnd.reviewers[0].id,
            "attachment_id": db.session.scalar(sa.select(sa.func.min(ApplicationAttachment.id))),
            "objection_id": db.session.scalar(sa.select(sa.func.min(Objection.id))),
        }


def _write_sample_file(app):
    import os

    folder = os.path.join(app.instance_path, "uploads")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "0" * 32 + ".pdf"), "wb") as fh:
        fh.write(b"%PDF-1.4\n")


def _sample(name):
    return lambda app, world: _scenario(app, world)[name]


# team_id comes from access_teams (team A, led by the world's leader).
SAMPLES = {name: _sample(name) for name in ("round_id", "application_id", "reviewer_id",
                                              "attachment_id", "objection_id")}
SAMPLES["kind"] = lambda app, world: "council"
SAMPLES["slug"] = lambda app, world: "dongyi"
