"""Card tender against the emulator: approve, declines, cancel, timeouts, split, void."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ireti_till.domain.money import Money
from ireti_till.domain.payment import AttemptState
from ireti_till.services.payment_store_port import TenderSaleState
from ireti_till.training.server import Emulator, EmulatorConfig
from tests.faults.support import Rig, register_reader, sale_template

S = AttemptState


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    e = Emulator.start(EmulatorConfig(rate_limit=None))
    yield e
    e.stop()


@pytest.fixture
def rig(emu: Emulator, tmp_path: Path) -> Iterator[Rig]:
    emu.faults.clear()
    probe = Rig(emu, tmp_path / "probe.sqlite3", reader_id="")
    reader = register_reader(probe.gateway)
    probe.close()
    r = Rig(emu, tmp_path / "ledger.sqlite3", reader_id=reader)
    yield r
    r.close()


def pi_of(rig: Rig, intent_id: str | None) -> dict:
    assert intent_id
    return rig.emu.state.intents[intent_id]


def test_approved_card_completes_the_sale_and_captures(rig: Rig) -> None:
    sale = sale_template(1250)
    rig.tender.begin(sale)
    st = rig.cards.start(sale.sale_id)
    assert st.phase == "waiting_for_card" and st.message == "Present card on the reader."
    rig.emu.simulate.present(rig.reader_id, "approve")
    st = rig.cards.poll(st.attempt_id)
    assert st.state is S.CAPTURED and st.sale_completed and st.card_last4 == "4242"
    prog = rig.tender.progress(sale.sale_id)
    assert prog.state is TenderSaleState.COMPLETED and prog.sale is not None
    assert prog.sale.receipt_no == 1 and prog.sale.tenders[0].kind == "card"
    a = prog.cards[0]
    assert pi_of(rig, a.intent_id)["status"] == "succeeded"
    assert pi_of(rig, a.intent_id)["metadata"]["attempt_id"] == str(a.attempt_id)
    assert len(rig.intents()) >= 1 and rig.outbox.queue() == []


@pytest.mark.parametrize(("outcome", "code"), [
    ("decline", "generic_decline"), ("insufficient_funds", "insufficient_funds"),
    ("expired", "expired_card"), ("lost_card", "lost_card")])
def test_decline_then_another_card_on_the_same_intent(rig: Rig, outcome: str,
                                                      code: str) -> None:
    sale = sale_template(800)
    rig.tender.begin(sale)
    st = rig.cards.start(sale.sale_id)
    rig.emu.simulate.present(rig.reader_id, outcome)
    st = rig.cards.poll(st.attempt_id)
    assert st.state is S.DECLINED and st.decline_code == code and st.error_code
    assert "declined" in st.message or "expired" in st.message
    first_pi = rig.cards._load(st.attempt_id).intent_id
    st = rig.cards.try_again(st.attempt_id)
    assert st.phase == "waiting_for_card"
    rig.emu.simulate.present(rig.reader_id, "approve")
    st = rig.cards.poll(st.attempt_id)
    a = rig.cards._load(st.attempt_id)
    assert st.state is S.CAPTURED and a.intent_id == first_pi and a.reader_try == 2
    mine = [p for p in rig.intents() if p["metadata"].get("sale_id") == str(sale.sale_id)]
    assert len(mine) == 1


def test_customer_cancels_then_retry(rig: Rig) -> None:
    sale = sale_template(500)
    rig.tender.begin(sale)
    st = rig.cards.start(sale.sale_id)
    rig.emu.simulate.present(rig.reader_id, "customer_cancels")
    st = rig.cards.poll(st.attempt_id)
    assert st.state is S.INTENT_CREATED and "cancelled" in st.message
    rig.emu.simulate.present(rig.reader_id, "approve") if False else None
    st = rig.cards.try_again(st.attempt_id)
    rig.emu.simulate.present(rig.reader_id, "approve")
    assert rig.cards.poll(st.attempt_id).state is S.CAPTURED


def test_cashier_cancel_uses_cancel_action_then_abandon_cancels_the_intent(rig: Rig) -> None:
    sale = sale_template(500)
    rig.tender.begin(sale)
    st = rig.cards.start(sale.sale_id)
    st = rig.cards.cancel(st.attempt_id)
    assert st.state is S.INTENT_CREATED
    reader = rig.emu.state.readers[rig.reader_id]
    assert reader["action"]["status"] == "failed"
    st = rig.cards.abandon(st.attempt_id, "customer paid cash")
    assert st.state is S.CANCELLED
    assert pi_of(rig, rig.cards._load(st.attempt_id).intent_id)["status"] == "canceled"
    # and cash still completes the sale
    prog = rig.tender.pay_cash(sale.sale_id, Money(1000, "EUR"))
    assert prog.completed and prog.change == Money(500, "EUR")


def test_reader_timeout_false_negative_is_re_read_not_recreated(rig: Rig) -> None:
    sale = sale_template(700)
    rig.tender.begin(sale)
    rig.emu.faults.script("reader_timeout_false_negative", path=rig.reader_id)
    st = rig.cards.start(sale.sale_id)
    assert st.phase == "waiting_for_card"  # the reader did get it: we follow it
    rig.emu.simulate.present(rig.reader_id, "approve")
    assert rig.cards.poll(st.attempt_id).state is S.CAPTURED
    assert len([p for p in rig.intents()
                if p["metadata"].get("sale_id") == str(sale.sale_id)]) == 1


def test_reader_timeout_true_negative_allows_retry(rig: Rig) -> None:
    sale = sale_template(700)
    rig.tender.begin(sale)
    rig.emu.faults.script("reader_timeout", path=rig.reader_id)
    st = rig.cards.start(sale.sale_id)
    assert st.state is S.INTENT_CREATED and "did not start" in st.message
    st = rig.cards.try_again(st.attempt_id)
    rig.emu.simulate.present(rig.reader_id, "approve")
    assert rig.cards.poll(st.attempt_id).state is S.CAPTURED


@pytest.mark.parametrize("fault", ["reader_offline", "reader_busy"])
def test_reader_offline_or_busy(rig: Rig, fault: str) -> None:
    sale = sale_template(300)
    rig.tender.begin(sale)
    rig.emu.faults.script(fault, path=rig.reader_id)
    st = rig.cards.start(sale.sale_id)
    assert st.state is S.INTENT_CREATED
    assert ("offline" in st.message) if fault == "reader_offline" else ("busy" in st.message)


def test_reader_simulated_timeout_no_card(rig: Rig) -> None:
    sale = sale_template(300)
    rig.tender.begin(sale)
    st = rig.cards.start(sale.sale_id)
    rig.emu.simulate.present(rig.reader_id, "reader_timeout")
    st = rig.cards.poll(st.attempt_id)
    assert st.state is S.INTENT_CREATED and "in time" in st.message


def test_split_tender_cash_then_two_cards(rig: Rig) -> None:
    sale = sale_template(3000)
    rig.tender.begin(sale)
    prog = rig.tender.pay_cash(sale.sale_id, Money(1000, "EUR"))
    assert prog.remaining == Money(2000, "EUR") and not prog.completed
    st = rig.cards.start(sale.sale_id, Money(1200, "EUR"))
    rig.emu.simulate.present(rig.reader_id, "approve")
    st = rig.cards.poll(st.attempt_id)
    assert st.state is S.AUTHORISED and not st.sale_completed  # not captured before the end
    assert st.remaining == Money(800, "EUR")
    st2 = rig.cards.start(sale.sale_id)
    rig.emu.simulate.present(rig.reader_id, "approve")
    st2 = rig.cards.poll(st2.attempt_id)
    assert st2.sale_completed
    prog = rig.tender.progress(sale.sale_id)
    assert [c.state for c in prog.cards] == [S.CAPTURED, S.CAPTURED]
    assert prog.sale is not None
    assert [t.kind for t in prog.sale.tenders] == ["cash", "card", "card"]
    assert sum(t.amount.minor for t in prog.sale.tenders) == 3000


def test_void_with_authorised_card_cancels_the_intent(rig: Rig) -> None:
    sale = sale_template(2000)
    rig.tender.begin(sale)
    st = rig.cards.start(sale.sale_id, Money(1500, "EUR"))
    rig.emu.simulate.present(rig.reader_id, "approve")
    st = rig.cards.poll(st.attempt_id)
    assert st.state is S.AUTHORISED
    prog = rig.cards.void_sale(sale.sale_id, "customer changed mind")
    assert prog.state is TenderSaleState.VOIDED
    a = prog.cards[0]
    assert a.state is S.CANCELLED and pi_of(rig, a.intent_id)["status"] == "canceled"
    assert rig.outbox.queue() == []


def test_void_while_on_reader_cancels_the_action_and_the_intent(rig: Rig) -> None:
    sale = sale_template(2000)
    rig.tender.begin(sale)
    rig.cards.start(sale.sale_id)
    prog = rig.cards.void_sale(sale.sale_id, "wrong basket")
    a = prog.cards[0]
    assert a.state is S.CANCELLED and pi_of(rig, a.intent_id)["status"] == "canceled"


def test_failed_capture_is_queued_and_drained(rig: Rig) -> None:
    sale = sale_template(990)
    rig.tender.begin(sale)
    st = rig.cards.start(sale.sale_id)
    rig.emu.faults.script("http_500", path="/capture", count=1)
    rig.emu.simulate.present(rig.reader_id, "approve")
    st = rig.cards.poll(st.attempt_id)
    assert st.state is S.AUTHORISED and st.sale_completed  # sale kept, capture queued
    q = rig.outbox.queue()
    assert len(q) == 1 and q[0].kind == "capture" and q[0].tries == 1 and q[0].last_error
    rig.outbox.retry_now(q[0].op_id)
    result = rig.outbox.drain()
    assert result.done == 1
    assert rig.cards.poll(st.attempt_id).state is S.CAPTURED and rig.outbox.queue() == []


def test_stripe_unreachable_at_create_charges_nothing_and_resumes(rig: Rig) -> None:
    sale = sale_template(450)
    rig.tender.begin(sale)
    rig.emu.faults.script("response_lost", path="/v1/payment_intents$", count=1)
    st = rig.cards.start(sale.sale_id)
    assert st.state is S.PLANNED and "could not be reached" in st.message
    st = rig.cards.resume(st.attempt_id)  # same create key: Stripe replays the PI it made
    assert st.phase == "waiting_for_card"
    rig.emu.simulate.present(rig.reader_id, "approve")
    assert rig.cards.poll(st.attempt_id).state is S.CAPTURED
    assert len([p for p in rig.intents()
                if p["metadata"].get("sale_id") == str(sale.sale_id)]) == 1
