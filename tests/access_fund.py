"""Who may reach the community fund's pages: admins post; council and auditors read
everything (auditors change nothing, council only takes part in reopening a month);
leaders, merchants and volunteers see no journal."""

from datetime import date

import sqlalchemy as sa

from tests.access_rules import MISSING, REDIRECT, UNPROCESSABLE, rule

READERS = {"admin", "council", "auditor"}

MATRIX = {
    ("fund.index", "GET"): rule(allowed=READERS),
    ("fund.journal", "GET"): rule(allowed=READERS),
    ("fund.entry", "GET"): rule(allowed=READERS, other=MISSING),
    ("fund.entry_reverse", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE, other=MISSING),
    ("fund.donations", "GET"): rule(allowed=READERS),
    ("fund.donation_new", "GET"): rule(allowed={"admin"}),
    ("fund.donation_new", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE),
    ("fund.donation_receipt", "GET"): rule(allowed=READERS, other=MISSING),
    ("fund.sales", "GET"): rule(allowed=READERS),
    ("fund.sale_new", "GET"): rule(allowed={"admin"}),
    ("fund.sale_new", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE),
    ("fund.expense_new", "GET"): rule(allowed={"admin"}),
    ("fund.expense_new", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE),
    ("fund.periods", "GET"): rule(allowed=READERS),
    ("fund.period_close", "POST"): rule(allowed={"admin"}, ok=UNPROCESSABLE),
    ("fund.period_reopen_request", "POST"): rule(allowed={"admin", "council"}, ok=UNPROCESSABLE, other=MISSING),
    # The sample month is closed with no reopening asked for: confirming is refused (422).
    ("fund.period_reopen_confirm", "POST"): rule(allowed={"admin", "council"}, ok=UNPROCESSABLE, other=MISSING),
    ("fund.period_reopen_cancel", "POST"): rule(allowed={"admin", "council"}, ok=UNPROCESSABLE, other=MISSING),
    ("fund.verify", "GET"): rule(allowed=READERS),
    ("fund.statement", "GET"): rule(allowed=READERS),
    ("fund.statement_pdf", "GET"): rule(allowed=READERS),
    ("fund.export_csv", "GET"): rule(allowed=READERS),
    ("fund.export_xlsx", "GET"): rule(allowed=READERS),
    ("fund.books_page", "GET"): rule(allowed=READERS),
    ("fund.books_pdf", "GET"): rule(allowed=READERS),
    ("fund.books_xlsx", "GET"): rule(allowed=READERS),
    ("fund.trial_balance_page", "GET"): rule(allowed=READERS),
    ("fund.trial_balance_pdf", "GET"): rule(allowed=READERS),
    ("fund.trial_balance_xlsx_file", "GET"): rule(allowed=READERS),
    ("fund.settings", "GET"): rule(allowed={"admin"}),
    ("fund.settings", "POST"): rule(allowed={"admin"}, ok=REDIRECT),
}



def _donation(app, world):
    from charity.extensions import db
    from charity.fund import income_spending
    from charity.fund.models import Donation
    from tests.fund_helpers import community

    with app.app_context():
        existing = db.session.scalar(sa.select(Donation.id).join(Donation.entry)
                                     .where(Donation.community_id == world.a))
        if existing:
            return existing
        donation = income_spending.record_donation(community(), amount_fen=50_000, received_on=date(2026, 2, 1),
                                                   method="bank", donor_name="样例捐赠人")
        db.session.commit()
        return donation.id


def _entry(app, world):
    from charity.extensions import db
    from charity.fund.models import Donation

    donation_id = _donation(app, world)
    with app.app_context():
        return db.session.get(Donation, donation_id).entry_id


def _period(app, world):
    from charity.extensions import db
    from charity.fund import periods
    from charity.fund.models import FundPeriod
    from tests.fund_helpers import community, user

    with app.app_context():
        existing = db.session.scalar(sa.select(FundPeriod.id).where(FundPeriod.community_id == world.a))
        if existing:
            return existing
        period = periods.transition_period(community(), 2025, 1, "close", actor=user("admin"))
        db.session.commit()
        return period.id


SAMPLES = {"donation_id": _donation, "entry_id": _entry, "period_id": _period}
