"""Helpers shared by the fund tests."""

from datetime import date

import sqlalchemy as sa

from charity.accounts.models import Community, User
from charity.extensions import db


def community(slug="dongyi"):
    return db.session.scalar(sa.select(Community).where(Community.slug == slug))


def user(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def fund(app, world, amount_fen=100_000, day=date(2026, 1, 5), method="bank"):
    """Put unrestricted money in community A's fund (a donation), committed."""
    from charity.fund import income_spending

    with app.app_context():
        income_spending.record_donation(community(), amount_fen=amount_fen, received_on=day, method=method,
                                        donor_name="测试捐赠人")
        db.session.commit()
