"""The Dongyi demo community. :func:`load` is idempotent: it adds what is missing and
changes nothing that is already there. Later modules add their demo data here."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity.accounts import services
from charity.accounts.models import Community, User
from charity.errors import CharityError
from charity.extensions import db
from charity.fund import demo as fund_demo
from charity.grants import demo as grants_demo
from charity.partners import demo as partners_demo
from charity.points import demo as points_demo
from charity.projects import demo_links as links_demo
from charity.teams import demo as teams_demo

DEMO_PASSWORD = "dongyi2026"

#: (username, role, display name, phone)
DEMO_USERS = [
    ("admin", "admin", "王晓燕", "13880010001"),
    ("council", "council", "李建国", "13880010002"),
    ("leader", "leader", "张小暖", "13880010003"),
    ("auditor", "auditor", "陈审计", "13880010004"),
    ("merchant", "merchant", "刘师傅", "13880010005"),
    ("volunteer", "volunteer", "赵阿姨", "13880010006"),
]


def load():
    """Create 东怡社区 and one account per role. Returns ``[(username, role), ...]``.

    :raises CharityError: a demo username belongs to an account outside the demo
        community (a real database): nothing is loaded.
    """
    community = db.session.scalar(sa.select(Community).where(Community.slug == "dongyi"))
    if community is None:
        community = services.create_community(name="东怡社区", slug="dongyi", street="东湖街道",
                                              district="锦江区")
    for username, role, name, phone in DEMO_USERS:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            services.create_user(community, username=username, display_name=name, phone=phone,
                                 password=DEMO_PASSWORD, roles=[role], must_change_password=False)
        elif community.id not in {m.community_id for m in user.memberships}:
            raise CharityError(_l(
                "%(username)s is a real account outside the demo community; the demo is meant "
                "for an empty database.", username=username))

    partners_demo.run(community)
    teams_demo.load(community)
    links_demo.load(community)
    fund_demo.load(community)
    grants_demo.load(community, DEMO_PASSWORD)
    points_demo.load(community)
    return [(username, role) for username, role, _name, _phone in DEMO_USERS]
