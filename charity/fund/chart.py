"""The chart of accounts every community starts with, in the categories of China's
accounting system for non-profit organisations (民间非营利组织会计制度, revised 2024)."""

from flask_babel import lazy_gettext as _l

from charity.fund.models import AccountKind, PaymentMethod, Purpose

#: (code, kind, parent code, name)
CHART = [
    ("1001", AccountKind.asset, None, _l("Cash on hand")),
    ("1002", AccountKind.asset, None, _l("Bank deposits")),
    # 其他应收款—微创投资助款: tranches paid to teams and not yet spent or returned.
    ("1221", AccountKind.asset, None, _l("Grant advances to teams")),
    ("3101", AccountKind.net_asset, None, _l("Unrestricted net assets")),
    ("3102", AccountKind.net_asset, None, _l("Restricted net assets")),
    ("4101", AccountKind.income, None, _l("Donation income")),
    ("4201", AccountKind.income, None, _l("Government and sub-district grants")),
    ("4301", AccountKind.income, None, _l("Sales income (charity sales)")),
    ("4401", AccountKind.income, None, _l("Investment income")),
    ("4501", AccountKind.income, None, _l("Membership dues income")),
    ("4601", AccountKind.income, None, _l("Service income")),
    ("4901", AccountKind.income, None, _l("Other income")),
    ("5101", AccountKind.expense, None, _l("Programme costs")),
    ("510101", AccountKind.expense, "5101", _l("Micro-venture grants")),
    ("510102", AccountKind.expense, "5101", _l("Activity costs")),
    ("5201", AccountKind.expense, None, _l("Administration expenses")),
    ("5301", AccountKind.expense, None, _l("Fundraising expenses")),
    ("5401", AccountKind.expense, None, _l("Other expenses")),
]

NAMES = {code: name for code, _kind, _parent, name in CHART}
KINDS = {code: kind for code, kind, _parent, _name in CHART}
#: Header accounts that only sum their children: nothing is posted to them directly.
HEADERS = frozenset(parent for _c, _k, parent, _n in CHART if parent)

CASH = "1001"
BANK = "1002"
GRANT_ADVANCES = "1221"
DONATIONS = "4101"
GRANTS_RECEIVED = "4201"
SALES = "4301"
INVESTMENT_INCOME = "4401"
#: 会费收入 and 提供服务收入 joined the chart later than the first codes, so their codes
#: follow them (a code is in every entry's hash and is never renumbered).
DUES = "4501"
SERVICE_INCOME = "4601"
MICRO_VENTURE = "510101"
ACTIVITY_COSTS = "510102"

#: Income accounts in the statement's order.
INCOME_CODES = ["4101", "4501", "4601", "4301", "4201", "4401", "4901"]
#: Expense accounts that take postings, in the statement's order.
EXPENSE_CODES = ["510101", "510102", "5201", "5301", "5401"]

#: Accounts a module posts to through :mod:`charity.fund.api`, never chosen on the fund's
#: generic income and spending forms: grant money moves only through awards, tranches,
#: claims and refunds, so each grant's statement holds all of it.
RESERVED = {
    GRANT_ADVANCES: _l("grant advances are paid as tranches of an award"),
    MICRO_VENTURE: _l("micro-venture grants are paid as tranches of an award and spent through "
                      "expense claims"),
}
#: Expense accounts the generic spending form offers.
GENERIC_EXPENSE_CODES = [code for code in EXPENSE_CODES if code not in RESERVED]

PURPOSE_NAMES = {
    Purpose.elderly: _l("Elderly care"),
    Purpose.children: _l("Children"),
    Purpose.special: _l("Special groups"),
    Purpose.new_employment: _l("New-employment workers"),
}

METHOD_NAMES = {
    PaymentMethod.cash: _l("Cash"),
    PaymentMethod.bank: _l("Bank transfer"),
    PaymentMethod.wechat: _l("WeChat Pay"),
    PaymentMethod.alipay: _l("Alipay"),
}


def account_name(code):
    return NAMES.get(code, code)


def cash_account_for(method):
    """Cash goes to the cash box; transfers and mobile payments land in the bank."""
    return CASH if PaymentMethod(method) == PaymentMethod.cash else BANK
