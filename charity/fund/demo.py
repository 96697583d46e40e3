"""A year (2026) of Dongyi's community fund for the demo: an opening balance, donations
(some restricted), upcycling-workshop sale income and operating spending. Idempotent:
every posting carries a fixed idempotency key, so loading twice posts once."""

from datetime import date

import sqlalchemy as sa

from charity.accounts.models import Role, User
from charity.extensions import db
from charity.fund import chart, income_spending, ledger, periods
from charity.fund.models import PaymentMethod, Purpose

DONATIONS = [
    # (month, day, donor, yuan, method, restriction)
    (1, 8, "成都锦华物业服务有限公司", 20000, PaymentMethod.bank, None),
    (1, 20, "王阿姨", 500, PaymentMethod.cash, Purpose.elderly),
    (2, 14, None, 1200, PaymentMethod.wechat, None),
    (3, 5, "东湖街道爱心商家联盟", 8000, PaymentMethod.bank, Purpose.elderly),
    (4, 12, "李先生", 1000, PaymentMethod.alipay, Purpose.children),
    (5, 30, "小暖芽亲子志愿者服务队家长", 2600, PaymentMethod.wechat, Purpose.children),
    (6, 18, None, 300, PaymentMethod.cash, None),
    (8, 9, "四川某科技有限公司", 15000, PaymentMethod.bank, None),
    (9, 9, "东怡社区居民（九九重阳）", 3600, PaymentMethod.wechat, Purpose.elderly),
    (10, 16, "东怡快剪理发店", 800, PaymentMethod.cash, Purpose.special),
    (11, 20, None, 2000, PaymentMethod.bank, None),
]

SALES = [
    # (month, day, event, items, yuan)
    (3, 28, "旧物升级工坊春季义卖", "旧衣改造帆布袋 32 个、杯垫 40 个", 1386),
    (6, 1, "六一亲子跳蚤市场", "绘本、玩具、手工皂", 2250.5),
    (9, 26, "旧物升级工坊秋季义卖", "旧牛仔布笔袋 45 个、零钱包 30 个", 1720),
    (11, 22, "年末爱心集市", "手工春联、香囊、再生纸贺卡", 3188),
]

EXPENSES = [
    # (month, day, account, memo, yuan, purpose, restricted, project)
    (2, 10, "5201", "基金账户银行手续费及票据印制", 160,
     None, False, None),
    (3, 20, chart.ACTIVITY_COSTS, "空巢老人春季入户探访慰问品", 2400, Purpose.elderly, True, "暖心探访"),
    (6, 6, chart.ACTIVITY_COSTS, "亲子公益课堂材料费", 1850, Purpose.children, True,
     "小暖芽亲子志愿者服务队"),
    (6, 28, "5301", "年中义卖活动宣传物料", 420, None, False, None),
    (9, 30, chart.ACTIVITY_COSTS, "九九重阳敬老宴食材", 4200, Purpose.elderly, True, "九九重阳敬老"),
    (10, 28, chart.ACTIVITY_COSTS, "便民维修服务耗材", 680, Purpose.special, True, "便民维修"),
    (11, 26, "5201", "年度财务审计费", 1500, None, False, None),
]


def _fen(yuan):
    return int(round(yuan * 100))


#: Months closed in the demo, as staff close them after each month's books are checked.
CLOSED_MONTHS = range(1, 11)


def load(community):
    ledger.ensure_chart(community)
    income_spending.post_opening_balance(community, amount_fen=_fen(18650.40), value_date=date(2025, 12, 31),
                                         idempotency_key="demo-opening")
    events = []
    for i, (m, d, donor, yuan, method, restriction) in enumerate(DONATIONS):
        events.append((date(2026, m, d), "d", i, (donor, yuan, method, restriction)))
    for i, row in enumerate(SALES):
        events.append((date(2026, row[0], row[1]), "s", i, row[2:]))
    for i, row in enumerate(EXPENSES):
        events.append((date(2026, row[0], row[1]), "e", i, row[2:]))
    for day, kind, i, row in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        if kind == "d":
            donor, yuan, method, restriction = row
            income_spending.record_donation(community, amount_fen=_fen(yuan), received_on=day, method=method,
                                            donor_name=donor, restriction=restriction,
                                            idempotency_key=f"demo-donation-{i}")
        elif kind == "s":
            event, items, yuan = row
            income_spending.record_sale(community, event=event, items=items, amount_fen=_fen(yuan),
                                        sold_on=day, method=PaymentMethod.wechat,
                                        idempotency_key=f"demo-sale-{i}")
        else:
            account, memo, yuan, purpose, restricted, project = row
            income_spending.pay_expense(community, amount_fen=_fen(yuan), paid_on=day,
                                        expense_account=account, memo=memo, purpose=purpose,
                                        restricted=restricted, project=project,
                                        idempotency_key=f"demo-expense-{i}")
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    if admin is not None and Role.admin in admin.roles_in(community.id):
        for month in CLOSED_MONTHS:
            if ledger.closed_period(community, date(2026, month, 1)) is None:
                periods.transition_period(community, 2026, month, "close", actor=admin)
