"""The community fund (社区基金): chart of accounts, journal, income, posting service,
periods, verification, statements and exports."""

from flask_babel import lazy_gettext as _l

from charity.audit import labels

labels.register(
    actions={
        "fund.donation": _l("Donation recorded"),
        "fund.sale": _l("Charity sale recorded"),
        "fund.expense": _l("Spending paid"),
        "fund.reverse": _l("Entry reversed"),
        "fund.settings": _l("Fund settings changed"),
        "fund.period.close": _l("Month closed"),
        "fund.period.request_reopen": _l("Reopening of a month requested"),
        "fund.period.confirm_reopen": _l("Reopening of a month confirmed"),
        "fund.period.cancel_reopen": _l("Reopening of a month withdrawn"),
    },
    objects={
        "fund": _l("Community fund"),
        "fund_entry": _l("Journal entry"),
        "fund_donation": _l("Donation"),
        "fund_sale": _l("Charity sale"),
        "fund_period": _l("Fund month"),
        "fund_settings": _l("Fund settings"),
    },
    fields={
        "donor_name": _l("Donor"),
        "amount_fen": _l("Amount (fen)"),
        "method": _l("Payment method"),
        "restriction": _l("Restricted to"),
        "received_on": _l("Received on"),
        "entry_seq": _l("Entry number"),
        "event": _l("Event"),
        "items": _l("Items sold"),
        "sold_on": _l("Sold on"),
        "state": _l("State"),
        "reason": _l("Reason"),
        "reversal_seq": _l("Reversal entry number"),
        "memo": _l("Memo"),
        "volunteer_hour_value_fen": _l("Value of a volunteer hour (fen)"),
        "seq": _l("Entry number"),
        "account": _l("Account"),
    },
)

from charity.fund import models  # noqa: E402,F401  (models for Alembic)
