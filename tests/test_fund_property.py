"""Property-based: any sequence of valid postings keeps every entry balanced and the
chain verifiable; any invalid posting raises a named error and changes nothing."""

import itertools
from datetime import date

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charity.accounts import services as account_services
from charity.extensions import db
from charity.fund import income_spending, ledger, verification
from charity.fund.errors import FundError
from charity.fund.ledger import Line
from charity.fund.models import FundAccount, JournalEntry, JournalLine, SubFund

_counter = itertools.count()

amounts = st.integers(min_value=1, max_value=5_000_00)
purposes = st.sampled_from([None, "elderly", "children"])
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))

donation = st.tuples(st.just("donation"), amounts, days, st.sampled_from(["cash", "bank", "wechat"]), purposes)
sale = st.tuples(st.just("sale"), amounts, days, st.sampled_from(["cash", "bank"]), st.none())
expense = st.tuples(st.just("expense"), amounts, days, st.sampled_from(["cash", "bank"]), purposes)
operation = st.one_of(donation, sale, expense)


def _snapshot(community_id):
    return (db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)
                              .where(JournalEntry.community_id == community_id)),
            tuple(db.session.scalars(sa.select(FundAccount.balance_fen)
                                     .where(FundAccount.community_id == community_id).order_by(FundAccount.id))),
            tuple(db.session.scalars(sa.select(SubFund.balance_fen)
                                     .where(SubFund.community_id == community_id).order_by(SubFund.id))))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=12))
def test_any_sequence_keeps_the_ledger_balanced_and_verifiable(app, ops):
    with app.app_context():
        community = account_services.create_community(name="测试社区", slug=f"prop-{next(_counter)}")
        db.session.commit()
        for kind, amount, day, method, purpose in ops:
            before = _snapshot(community.id)
            try:
                if kind == "donation":
                    income_spending.record_donation(community, amount_fen=amount, received_on=day, method=method,
                                                    restriction=purpose)
                elif kind == "sale":
                    income_spending.record_sale(community, event="义卖", items="", amount_fen=amount, sold_on=day,
                                                method=method)
                else:
                    income_spending.pay_expense(community, amount_fen=amount, paid_on=day, expense_account="510102",
                                                memo="活动", method=method, purpose=purpose,
                                                restricted=purpose is not None)
            except FundError:
                db.session.rollback()
                assert _snapshot(community.id) == before
                continue
            db.session.commit()
        sums = db.session.execute(
            sa.select(JournalLine.entry_id, sa.func.sum(JournalLine.amount_fen), sa.func.count())
            .join(JournalEntry).where(JournalEntry.community_id == community.id)
            .group_by(JournalLine.entry_id)).all()
        assert all(total == 0 and count >= 2 for _e, total, count in sums)
        assert verification.verify_ledger(community).ok
        for account in db.session.scalars(sa.select(FundAccount).where(FundAccount.community_id == community.id,
                                                                       FundAccount.kind == "asset")):
            assert account.balance_fen >= 0


invalid_lines = st.one_of(
    st.lists(st.builds(Line, st.sampled_from(["1001", "1002", "4101", "510102"]),
                       st.integers(-10**6, 10**6).filter(bool)), min_size=0, max_size=4)
    .filter(lambda ls: len(ls) < 2 or sum(x.amount_fen for x in ls) != 0),
    amounts.map(lambda a: [Line("510102", a + 10**9), Line("1002", -(a + 10**9))]),
    amounts.map(lambda a: [Line("1002", a), Line("5101", -a)]),
    amounts.map(lambda a: [Line("510102", a, subfund="special"), Line("1001", -a)]),
    amounts.map(lambda a: [Line("510102", a, subfund="elderly", purpose="children"), Line("1001", -a)]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=invalid_lines, day=days)
def test_any_invalid_posting_raises_a_named_error_and_changes_nothing(app, lines, day):
    with app.app_context():
        community = account_services.create_community(name="测试社区", slug=f"bad-{next(_counter)}")
        income_spending.record_donation(community, amount_fen=10_000, received_on=date(2026, 1, 1), method="bank",
                                        restriction="elderly")
        db.session.commit()
        before = _snapshot(community.id)
        try:
            ledger.post_entry(community, value_date=day, memo="无效", reference_type="expense", lines=lines)
        except FundError:
            pass
        else:
            raise AssertionError(f"posted {lines}")
        db.session.rollback()
        assert _snapshot(community.id) == before
        assert verification.verify_ledger(community).ok
