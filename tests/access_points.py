"""Who may reach the points pages. Volunteers and leaders (who serve too) see only their
own points and codes; a leader sees the points of the team they lead; merchants see and
fulfil only codes of their own partner's services and only their own settlement; staff
read everything, admins change things; another community's objects are 404. The
certificate check page is public.

The samples: ``redemption_id`` is a code of the ``volunteer`` user (赵阿姨) at the
``merchant`` user's shop; ``shop_id`` is that shop; ``certificate_id`` is 赵阿姨's."""

from tests.access_rules import FORBIDDEN, MEMBERS, MISSING, OK, REDIRECT, ROLES, UNPROCESSABLE, rule

STAFF = {"admin", "council", "auditor"}
SERVING = {"volunteer", "leader"}


def _with(expected, **answers):
    """A rule with some actors' answers replaced (a leader who is not the owner: 404)."""
    table, data = expected
    return dict(table, **answers), data


MATRIX = {
    ("points.index", "GET"): _with(rule(allowed=STAFF), leader=REDIRECT, volunteer=REDIRECT,
                                   merchant=REDIRECT),
    ("points.mine", "GET"): rule(allowed=SERVING),
    ("points.opt_out", "POST"): rule(allowed=SERVING, ok=REDIRECT),
    # The matrix's users have no volunteer record, and with no record there is no passbook.
    ("points.passbook_pdf", "GET"): rule(allowed=SERVING, ok=MISSING),
    ("points.shop", "GET"): rule(allowed=SERVING | STAFF),
    # Refused: the matrix's users have no volunteer record (the service needs a price too).
    ("points.redeem", "POST"): rule(allowed=SERVING, ok=UNPROCESSABLE),
    # A code: its volunteer, staff and the merchant of its shop; another volunteer 404.
    ("points.redemption", "GET"): rule(allowed=STAFF | {"volunteer", "merchant"}, denied=MISSING,
                                       other=MISSING, expert=FORBIDDEN),
    ("points.redemption_cancel", "POST"): _with(rule(allowed={"admin", "volunteer"}, ok=REDIRECT,
                                                     other=MISSING), leader=MISSING),
    # The community's leaderboard: every member of the programme; not an expert reviewer.
    ("points.leaderboard", "GET"): rule(allowed=MEMBERS),
    ("points.team", "GET"): rule(allowed=STAFF | {"leader"}, other=MISSING),
    ("points.merchant", "GET"): rule(allowed={"merchant"}),
    ("points.merchant", "POST"): rule(allowed={"merchant"}, ok=UNPROCESSABLE),
    ("points.settlement", "GET"): rule(allowed=STAFF | {"merchant"}, other=MISSING),
    ("points.settlement_pdf", "GET"): rule(allowed=STAFF | {"merchant"}, other=MISSING),
    ("points.volunteer", "GET"): rule(allowed=STAFF, other=MISSING),
    ("points.volunteer_passbook", "GET"): rule(allowed=STAFF, other=MISSING),
    ("points.adjust", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("points.redeem_on_behalf", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("points.identity", "POST"): rule(allowed={"admin"}, ok=REDIRECT, other=MISSING),
    ("points.commendation_add", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("points.certificate_issue", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("points.certificate_pdf", "GET"): _with(rule(allowed=STAFF | {"volunteer"}, other=MISSING),
                                             leader=MISSING),
    ("points.check", "GET"): rule(anonymous=OK, allowed=ROLES),
    ("points.rules", "GET"): rule(allowed=STAFF),
    ("points.rules", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE),
    ("points.settings", "GET"): rule(allowed={"admin"}),
    ("points.settings", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE),
    ("points.expiring", "GET"): rule(allowed=STAFF),
}


def _redemption(app, world):
    from charity.extensions import db
    from charity.partners.models import Service
    from charity.points import redemptions
    from charity.teams.models import Volunteer
    from tests.points_helpers import build_points

    sc = build_points(app, world)
    if "points_redemption" not in app.extensions:
        with app.test_request_context():
            r = redemptions.redeem(db.session.get(Volunteer, sc.member_a), db.session.get(Service, sc.haircut),
                                   key="access-matrix")
            db.session.commit()
            app.extensions["points_redemption"] = r.id
    return app.extensions["points_redemption"]


def _certificate(app, world):
    from datetime import date

    from charity.extensions import db
    from charity.points import records
    from charity.teams.models import Volunteer
    from tests.points_helpers import build_points

    sc = build_points(app, world)
    if "points_certificate" not in app.extensions:
        with app.test_request_context():
            cert = records.issue_certificate(db.session.get(Volunteer, sc.member_a), date(2026, 1, 1),
                                             date(2026, 3, 31))
            db.session.commit()
            app.extensions["points_certificate"] = cert.id
    return app.extensions["points_certificate"]


def _shop(app, world):
    from tests.points_helpers import build_points

    return build_points(app, world).shop


SAMPLES = {"redemption_id": _redemption, "certificate_id": _certificate, "shop_id": _shop}
