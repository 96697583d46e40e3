"""The fund ledger's rules: balanced append-only entries, named errors that change
nothing, restrictions, closed months, two-person reopening, idempotency, reversal, the
hash chain and verify-ledger."""

from datetime import date

import pytest
import sqlalchemy as sa

from charity.extensions import db
from charity.fund import income_spending, ledger, periods, verification
from charity.fund.errors import (
    AlreadyReversed,
    InsufficientFunds,
    InvalidPosting,
    PeriodClosed,
    PeriodTransitionError,
    ReopenNeedsTwoPeople,
    RestrictionViolation,
    UnbalancedEntry,
)
from charity.fund.ledger import Line
from charity.fund.models import FundAccount, JournalEntry, JournalLine, SubFund
from charity.reports import capital_yuan
from tests.conftest import is_postgres
from tests.fund_helpers import community, user

JAN = date(2026, 1, 10)


def _state():
    return (db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)),
            db.session.scalar(sa.select(sa.func.count()).select_from(JournalLine)),
            tuple(db.session.scalars(sa.select(FundAccount.balance_fen).order_by(FundAccount.id))),
            tuple(db.session.scalars(sa.select(SubFund.balance_fen).order_by(SubFund.id))))


@pytest.mark.parametrize("fen,text", [
    (0, "零元整"), (5, "伍分"), (1000, "壹拾元整"), (10010, "壹佰元零壹角"),
    (10000000110, "壹亿零壹元壹角"), (100000000000, "壹拾亿元整"),
    (1234567, "壹万贰仟叁佰肆拾伍元陆角柒分"), (168032, "壹仟陆佰捌拾元零叁角贰分"),
    (105, "壹元零伍分"), (10001000, "壹拾万零壹拾元整"), (-250, "负贰元伍角"),
])
def test_capital_numerals(fen, text):
    assert capital_yuan(fen) == text


def test_capital_numerals_refuse_floats():
    with pytest.raises(TypeError):
        capital_yuan(1.5)


def test_new_community_gets_the_chart_and_a_chain_head(app, world, ctx):
    codes = set(db.session.scalars(sa.select(FundAccount.code).where(FundAccount.community_id == world.a)))
    assert {"1001", "1002", "1221", "3101", "3102", "4101", "4201", "4301", "4401", "4501", "4601", "4901", "5101", "510101",
            "510102", "5201", "5301", "5401"} == codes


def test_donation_posts_a_balanced_chained_entry(app, world, ctx):
    c = community()
    d = income_spending.record_donation(c, amount_fen=12345, received_on=JAN, method="cash", donor_name="张三")
    d2 = income_spending.record_donation(c, amount_fen=500, received_on=JAN, method="bank", restriction="elderly")
    db.session.commit()
    assert (d.receipt_no, d2.receipt_no) == ("JZ2026-0001", "JZ2026-0002")
    first, second = db.session.scalars(sa.select(JournalEntry).order_by(JournalEntry.seq)).all()
    assert first.prev_hash == "0" * 64 and second.prev_hash == first.hash
    assert sum(line.amount_fen for line in second.lines) == 0
    assert d2.subfund.purpose == "elderly" and d2.subfund.balance_fen == 500
    assert verification.verify_ledger(c).ok


@pytest.mark.parametrize("lines,error", [
    ([Line("1002", 100)], UnbalancedEntry),
    ([Line("1002", 100), Line("4101", -99)], UnbalancedEntry),
    ([Line("1002", 100), Line("9999", -100)], InvalidPosting),
    ([Line("5101", 100), Line("1002", -100)], InvalidPosting),  # a header account
    ([Line("1002", 0), Line("4101", 0)], InvalidPosting),
    ([Line("1002", 1.5), Line("4101", -1.5)], InvalidPosting),
    ([Line("510102", 100_000_000), Line("1002", -100_000_000)], InsufficientFunds),
    ([Line("1002", 100), Line("1001", -100)], InsufficientFunds),  # the cash box holds 0.50 only
    ([Line("510102", 100, subfund="children"), Line("1002", -100)], InsufficientFunds),
    ([Line("510102", 100, subfund="elderly", purpose="children"), Line("1002", -100)], RestrictionViolation),
    ([Line("1002", 100, subfund="elderly"), Line("4101", -100)], RestrictionViolation),
])
def test_invalid_postings_raise_a_named_error_and_change_nothing(app, world, ctx, lines, error):
    c = community()
    income_spending.record_donation(c, amount_fen=1000, received_on=JAN, method="bank", restriction="elderly")
    income_spending.record_donation(c, amount_fen=50, received_on=JAN, method="cash")
    db.session.commit()
    before = _state()
    with pytest.raises(error):
        ledger.post_entry(c, value_date=JAN, memo="测试", reference_type="expense", lines=lines)
    db.session.rollback()
    assert _state() == before
    assert verification.verify_ledger(c).ok


def test_restricted_money_pays_only_its_purpose_and_is_released_as_spent(app, world, ctx):
    c = community()
    income_spending.record_donation(c, amount_fen=1000, received_on=JAN, method="bank", restriction="elderly")
    db.session.commit()
    # Unrestricted spending cannot use restricted money.
    with pytest.raises(InsufficientFunds):
        income_spending.pay_expense(c, amount_fen=100, paid_on=JAN, expense_account="510102", memo="文具")
    with pytest.raises(RestrictionViolation):
        income_spending.pay_expense(c, amount_fen=100, paid_on=JAN, expense_account="510102", memo="文具",
                                    restricted=True)
    db.session.rollback()
    income_spending.pay_expense(c, amount_fen=400, paid_on=JAN, expense_account="510102", memo="探访慰问",
                                purpose="elderly", restricted=True)
    db.session.commit()
    assert db.session.scalar(sa.select(SubFund.balance_fen)) == 600
    with pytest.raises(InsufficientFunds):
        income_spending.pay_expense(c, amount_fen=601, paid_on=JAN, expense_account="510102", memo="超支",
                                    purpose="elderly", restricted=True)


def test_retried_posting_with_the_same_key_posts_once(app, world, ctx):
    c = community()
    first = income_spending.record_donation(c, amount_fen=700, received_on=JAN, method="bank", idempotency_key="k-1")
    db.session.commit()
    again = income_spending.record_donation(c, amount_fen=700, received_on=JAN, method="bank", idempotency_key="k-1")
    db.session.commit()
    assert again.id == first.id
    entry = income_spending.pay_expense(c, amount_fen=100, paid_on=JAN, expense_account="5201", memo="手续费",
                                        idempotency_key="k-2")
    db.session.commit()
    assert income_spending.pay_expense(c, amount_fen=100, paid_on=JAN, expense_account="5201", memo="手续费",
                                       idempotency_key="k-2").id == entry.id
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == 2
    assert db.session.scalar(sa.select(FundAccount.balance_fen).where(FundAccount.code == "1002",
                                                                     FundAccount.community_id == c.id)) == 600


def test_a_posting_dated_in_a_closed_month_is_refused(app, world, ctx):
    c = community()
    income_spending.record_donation(c, amount_fen=700, received_on=JAN, method="bank")
    periods.transition_period(c, 2026, 1, "close", actor=user("admin"))
    db.session.commit()
    before = _state()
    with pytest.raises(PeriodClosed):
        income_spending.record_donation(c, amount_fen=5, received_on=date(2026, 1, 31), method="bank")
    with pytest.raises(PeriodClosed):
        income_spending.pay_expense(c, amount_fen=5, paid_on=date(2026, 1, 2), expense_account="5201", memo="x")
    db.session.rollback()
    assert _state() == before
    income_spending.record_donation(c, amount_fen=5, received_on=date(2026, 2, 1), method="bank")


def test_reopening_needs_an_admin_and_a_council_member(app, world, ctx, make_user):
    second_admin = make_user(world.a, "admin", username="admin2")
    c = community()
    admin, council, auditor = user("admin"), user("council"), user("auditor")
    with pytest.raises(PeriodTransitionError):
        periods.transition_period(c, 2026, 1, "close", actor=council)
    periods.transition_period(c, 2026, 1, "close", actor=admin)
    with pytest.raises(PeriodTransitionError):
        periods.transition_period(c, 2026, 1, "close", actor=admin)
    with pytest.raises(PeriodTransitionError):
        periods.transition_period(c, 2026, 1, "request_reopen", actor=auditor, reason="错账")
    periods.transition_period(c, 2026, 1, "request_reopen", actor=admin, reason="漏记一笔捐赠")
    with pytest.raises(ReopenNeedsTwoPeople):
        periods.transition_period(c, 2026, 1, "confirm_reopen", actor=admin)
    with pytest.raises(ReopenNeedsTwoPeople):  # another admin is not a council member
        periods.transition_period(c, 2026, 1, "confirm_reopen", actor=db.session.get(type(admin), second_admin))
    with pytest.raises(PeriodClosed):
        income_spending.record_donation(c, amount_fen=5, received_on=JAN, method="bank")
    period = periods.transition_period(c, 2026, 1, "confirm_reopen", actor=council)
    db.session.commit()
    assert period.state == "open"
    income_spending.record_donation(c, amount_fen=5, received_on=JAN, method="bank")
    db.session.commit()
    from charity.audit.models import AuditEvent

    actions = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "fund_period")
                                      .order_by(AuditEvent.id)))
    assert actions == ["fund.period.close", "fund.period.request_reopen", "fund.period.confirm_reopen"]


def test_reversal_links_the_original_and_cannot_repeat(app, world, ctx):
    c = community()
    d = income_spending.record_donation(c, amount_fen=900, received_on=JAN, method="bank")
    db.session.commit()
    reversal = ledger.reverse_entry(c, d.entry, memo="金额录错", actor=user("admin"), value_date=JAN)
    db.session.commit()
    assert reversal.reverses_id == d.entry_id
    assert [ln.amount_fen for ln in reversal.lines] == [-ln.amount_fen for ln in d.entry.lines]
    with pytest.raises(AlreadyReversed):
        ledger.reverse_entry(c, d.entry, actor=user("admin"))
    with pytest.raises(AlreadyReversed):
        ledger.reverse_entry(c, reversal, actor=user("admin"))
    assert verification.verify_ledger(c).ok


def test_journal_rows_refuse_update_and_delete_in_the_database(app, world, ctx):
    c = community()
    income_spending.record_donation(c, amount_fen=900, received_on=JAN, method="bank")
    db.session.commit()
    for statement in ("UPDATE fund_journal_line SET amount_fen = amount_fen + 1",
                      "DELETE FROM fund_journal_entry", "UPDATE fund_journal_entry SET memo = 'x'"):
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.text(statement))
        db.session.rollback()


def _tamper(sql):
    """Change a row behind the app's back, as someone with database access could."""
    if is_postgres():
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        db.session.execute(sa.text(sql))
    else:
        for verb in ("update", "delete"):
            db.session.execute(sa.text(f"DROP TRIGGER fund_journal_line_no_{verb}"))
            db.session.execute(sa.text(f"DROP TRIGGER fund_journal_entry_no_{verb}"))
        db.session.execute(sa.text(sql))
    db.session.commit()


def test_tampered_amount_is_named_by_verify_ledger(app, world, runner):
    with app.app_context():
        c = community()
        for day in range(1, 6):
            income_spending.record_donation(c, amount_fen=1000 * day, received_on=date(2026, 1, day), method="bank")
        db.session.commit()
        target = db.session.scalar(sa.select(JournalEntry).where(JournalEntry.seq == 3))
        target_id = target.id
    result = runner.invoke(args=["verify-ledger", "--community", "dongyi"])
    assert result.exit_code == 0, result.output
    assert "dongyi：账本核验通过，共 5 笔凭证" in result.output
    with app.app_context():
        # Both lines changed, so the entry still balances: only the hash gives it away.
        _tamper(f"UPDATE fund_journal_line SET amount_fen = amount_fen * 10 WHERE entry_id = {target_id}")
    result = runner.invoke(args=["verify-ledger", "--community", "dongyi"])
    assert result.exit_code == 1
    assert f"第 3 号凭证（id {target_id}）" in result.output, result.output
    assert "哈希不符" in result.output


def test_verify_ledger_catches_a_balance_changed_behind_its_back(app, world, runner):
    with app.app_context():
        income_spending.record_donation(community(), amount_fen=1000, received_on=JAN, method="bank")
        db.session.execute(sa.update(FundAccount).where(FundAccount.code == "4101").values(balance_fen=5))
        db.session.commit()
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 1
    assert "4101" in result.output


def test_verify_ledger_unknown_community(app, world, runner):
    result = runner.invoke(args=["verify-ledger", "--community", "nowhere"])
    assert result.exit_code != 0
