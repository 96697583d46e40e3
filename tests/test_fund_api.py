"""The fund's public API (charity.fund.api): what other domains post and read through."""

from datetime import date

import pytest

from charity.extensions import db
from charity.fund import api
from tests.fund_helpers import community, fund, user

JAN = date(2026, 1, 10)


def _advance(ledger, fen, ref, key):
    return ledger.post(value_date=JAN, memo=f"advance {ref}", reference_type=api.ReferenceType.grant_tranche,
                       reference_id=ref, lines=[api.Line(api.GRANT_ADVANCES, fen),
                                                api.Line(api.cash_account_for("bank"), -fen)],
                       idempotency_key=key, actor=user("admin"))


def test_posting_posts_several_entries_under_one_lock_and_finds_a_retry(app, world, ctx):
    fund(app, world, amount_fen=10_000)
    c = community()
    with api.posting(c) as ledger:
        assert ledger.find("k-1") is None and ledger.find(None) is None
        first = _advance(ledger, 3_000, "G7-T1", "k-1")
        second = _advance(ledger, 2_000, "G7-R1", "k-2")
        assert second.seq == first.seq + 1 and second.prev_hash == first.hash
        assert ledger.find("k-1").id == first.id
        # A retried posting with the same key returns the first entry and posts nothing.
        assert _advance(ledger, 3_000, "G7-T1", "k-1").id == first.id
    db.session.commit()
    assert api.account_balance(c, api.GRANT_ADVANCES) == 5_000
    assert api.account_balance(c, "1002") == 5_000
    assert api.ledger_head(c) == api.LedgerPosition(second.seq, second.hash)


def test_posting_refuses_with_the_ledgers_own_errors(app, world, ctx):
    fund(app, world, amount_fen=1_000)
    c = community()
    ledger = api.posting(c)
    with pytest.raises(api.InsufficientFunds):
        _advance(ledger, 5_000, "G1-T1", "k-x")
    with pytest.raises(api.FundError):
        ledger.post(value_date=JAN, memo="one line", reference_type=api.ReferenceType.expense,
                    lines=[api.Line(api.GRANT_ADVANCES, 1)])
    db.session.rollback()
    assert api.account_balance(c, "1002") == 1_000


def test_entries_for_a_reference_its_id_and_a_prefix(app, world, ctx):
    fund(app, world, amount_fen=10_000)
    c = community()
    with api.posting(c) as ledger:
        t1 = _advance(ledger, 100, "G7-T1", None)
        r1 = _advance(ledger, 100, "G7-R1", None)
        _advance(ledger, 100, "G70-T1", None)
        _advance(ledger, 100, "G7_T9", None)
    db.session.commit()
    assert [e.id for e in api.entries_for(c, reference_prefix="G7-")] == [t1.id, r1.id]
    assert [e.id for e in api.entries_for(c, reference_id="G7-R1")] == [r1.id]
    assert len(api.entries_for(c, reference_type=api.ReferenceType.grant_tranche)) == 4
    assert len(api.entries_for(c, reference_type="donation")) == 1
    # The prefix is matched as text: "_" and "%" are no wildcards.
    assert api.entries_for(c, reference_prefix="G7_") != api.entries_for(c, reference_prefix="G7")
    assert [e.reference_id for e in api.entries_for(c, reference_prefix="G7_")] == ["G7_T9"]


def test_ledger_head_and_balances_of_a_community_without_entries(app, world, ctx):
    c = community()
    head = api.ledger_head(c)
    assert head is None or head == api.LedgerPosition(0, "0" * 64)
    assert api.account_balance(c, "1002") == 0
    assert api.entries_for(c, reference_prefix="G") == []
