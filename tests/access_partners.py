"""Who may reach the partners, services, resource list, needs and council meeting routes.

A merchant not linked to the sample partner gets 404 on it (they see only their own);
volunteers and leaders see the public list; another community's admin gets 404 on A's rows.
"""

from tests.access_rules import FORBIDDEN, INVALID, MEMBERS, MISSING, REDIRECT, UNPROCESSABLE, rule
from tests.fixtures_partners import make_meeting_in, make_need_in, make_partner_in, make_service_in

PUBLIC = {"admin", "council", "auditor", "leader", "volunteer"}
READERS = {"admin", "council", "auditor"}
WRITERS = {"admin", "council"}

MATRIX = {
    ("partners.index", "GET"): rule(allowed=MEMBERS),
    ("partners.service_list", "GET"): rule(allowed=MEMBERS),
    ("partners.new", "GET"): rule(allowed={"admin"}),
    ("partners.new", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE),
    ("partners.detail", "GET"): rule(allowed=PUBLIC, denied=MISSING, other=MISSING, expert=FORBIDDEN),
    ("partners.edit", "GET"): rule(allowed={"admin"}, other=MISSING),
    ("partners.edit", "POST"): rule(allowed={"admin"}, ok=REDIRECT, other=MISSING),
    ("partners.service_new", "GET"): rule(allowed={"admin"}, other=MISSING),
    ("partners.service_new", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("partners.service_edit", "GET"): rule(allowed={"admin"}, other=MISSING),
    ("partners.service_edit", "POST"): rule(allowed={"admin"}, ok=REDIRECT, other=MISSING),
    ("partners.categories", "GET"): rule(allowed=READERS),
    ("partners.categories", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE),
    ("partners.resource_list", "GET"): rule(allowed=PUBLIC),
    ("partners.resource_list_pdf", "GET"): rule(allowed=PUBLIC),
    ("partners.export", "GET"): rule(allowed=READERS),
    ("partners.import_", "GET"): rule(allowed={"admin"}),
    ("partners.import_", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE),
    ("needs.index", "GET"): rule(allowed=READERS),
    ("needs.new", "GET"): rule(allowed=WRITERS),
    ("needs.new", "POST"): rule(allowed=WRITERS, ok=UNPROCESSABLE),
    ("needs.detail", "GET"): rule(allowed=READERS, other=MISSING),
    ("needs.match", "POST"): rule(allowed=WRITERS, ok=UNPROCESSABLE, other=MISSING),
    ("needs.transition", "POST"): rule(allowed=WRITERS, ok=INVALID, other=MISSING),
    ("needs.meetings", "GET"): rule(allowed=READERS),
    ("needs.meeting_new", "GET"): rule(allowed=WRITERS),
    ("needs.meeting_new", "POST"): rule(allowed=WRITERS, ok=UNPROCESSABLE),
    ("needs.meeting_detail", "GET"): rule(allowed=READERS, other=MISSING),
    ("needs.approve_list", "POST"): rule(allowed=WRITERS, ok=REDIRECT, other=MISSING),
    ("needs.minutes_pdf", "GET"): rule(allowed=READERS, other=MISSING),
}


def _existing(app, model, **where):
    import sqlalchemy as sa

    from charity.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(model.id).filter_by(**where).limit(1))


def _partner(app, world):
    from charity.partners.models import Partner

    return (_existing(app, Partner, community_id=world.a, name="访问矩阵商家")
            or make_partner_in(app, world.a, "访问矩阵商家"))


def _service(app, world):
    from charity.partners.models import Service

    partner = _partner(app, world)
    return (_existing(app, Service, partner_id=partner, name="访问矩阵服务")
            or make_service_in(app, partner, "访问矩阵服务"))


SAMPLES = {
    "partner_id": _partner,
    "service_id": _service,
    "need_id": lambda app, world: make_need_in(app, world.a),
    "meeting_id": lambda app, world: make_meeting_in(app, world.a),
}

