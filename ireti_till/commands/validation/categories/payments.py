"""Payments: cash and card sales end to end, with what Stripe and the ledger hold."""

from __future__ import annotations

from ireti_till.commands.validation.case import EMULATOR_ONLY, Case, Category
from ireti_till.commands.validation.env import Env, S, sale
from ireti_till.domain.errors import TillError
from ireti_till.domain.money import Money

CATEGORY = Category("payments", "Payments", 10,
                    "Cash and card sales from basket to receipt: amounts, capture, metadata and "
                    "idempotency keys, as Stripe and the local ledger record them.")


def cash_change(env: Env) -> str:
    s = sale(990)
    env.core.tender.begin(s)
    prog = env.core.tender.pay_cash(s.sale_id, Money(2000, "EUR"))
    assert prog.completed and prog.change == Money(1010, "EUR"), prog
    return f"receipt {prog.receipt_no}, change {prog.change.format()}"


def cash_exact(env: Env) -> str:
    s = sale(455)
    env.core.tender.begin(s)
    prog = env.core.tender.pay_cash(s.sale_id, Money(455, "EUR"))
    assert prog.completed and prog.change.minor == 0, prog
    return f"receipt {prog.receipt_no}, no change"


def cash_in_parts(env: Env) -> str:
    s = sale(1000)
    env.core.tender.begin(s)
    first = env.core.tender.pay_cash(s.sale_id, Money(600, "EUR"))
    assert not first.completed and first.remaining == Money(400, "EUR"), first
    done = env.core.tender.pay_cash(s.sale_id, Money(500, "EUR"))
    assert done.completed and done.change == Money(100, "EUR"), done
    return "6.00 then 5.00 on a 10.00 sale: completed, change 1.00"


def cash_zero_refused(env: Env) -> str:
    s = sale(300)
    env.core.tender.begin(s)
    try:
        env.core.tender.pay_cash(s.sale_id, Money(0, "EUR"))
    except TillError as exc:
        assert not env.core.tender.progress(s.sale_id).completed
        return f"refused ({exc.code}), sale still open"
    raise AssertionError("0.00 cash was accepted")


def card_captured(env: Env) -> str:
    st = env.card_sale(["approve"])
    assert st.state is S.CAPTURED and st.sale_completed, st
    return f"{st.card_brand} {st.card_last4} captured, sale completed"


def intent_shape(env: Env) -> str:
    st = env.card_sale(["approve"], total=2345)
    pi = env.core.ctx.gateway.retrieve_intent(env.intent_of(st))
    assert pi.status == "succeeded" and pi.amount_received_minor == 2345, pi
    assert pi.capture_method == "manual" and pi.currency.lower() == "eur", pi
    return f"{pi.id}: 23.45 EUR, manual capture, succeeded"


def intent_metadata(env: Env) -> str:
    st = env.card_sale(["approve"])
    att = env.core.cards._load(st.attempt_id)
    meta = env.core.ctx.gateway.retrieve_intent(env.intent_of(st)).metadata
    want = {str(att.sale_id), str(att.attempt_id)}
    assert want <= set(meta.values()), meta
    assert any(v == "VALIDATE" for v in meta.values()), meta
    return f"metadata keys {sorted(meta)} carry sale, attempt and till ids"


def keys_from_records(env: Env) -> str:
    st = env.card_sale(["approve"])
    rows = env.sql("SELECT create_key FROM card_attempts WHERE attempt_id = ?",
                   str(st.attempt_id))
    assert rows and rows[0][0].startswith(str(st.attempt_id)), rows
    return f"create key {rows[0][0]!r} derived from the attempt id"


def committed_before_reader(env: Env) -> str:
    s = sale(800)
    env.core.tender.begin(s)
    st = env.core.cards.start(s.sale_id)
    rows = env.sql("SELECT state, intent_id FROM card_attempts WHERE attempt_id = ?",
                   str(st.attempt_id))
    assert rows and rows[0][1], rows
    st = env.present(st, "approve")
    assert st.state is S.CAPTURED, st
    return f"attempt on disk as {rows[0][0]} with its PaymentIntent before the card was read"


def split_cash_card(env: Env) -> str:
    s = sale(2000)
    env.core.tender.begin(s)
    env.core.tender.pay_cash(s.sale_id, Money(500, "EUR"))
    st = env.core.cards.start(s.sale_id)
    st = env.present(st, "approve")
    pi = env.core.ctx.gateway.retrieve_intent(env.intent_of(st))
    assert st.state is S.CAPTURED and st.sale_completed, st
    assert pi.amount_minor == 1500, pi
    return "5.00 cash, then the card charged exactly the 15.00 remaining"


def void_open_sale(env: Env) -> str:
    s = sale(700)
    env.core.tender.begin(s)
    prog = env.core.tender.void(s.sale_id, "validation void")
    assert prog.state.value == "voided", prog
    return "open sale voided with a reason; nothing charged"


def void_needs_reason(env: Env) -> str:
    s = sale(700)
    env.core.tender.begin(s)
    try:
        env.core.tender.void(s.sale_id, "  ")
    except TillError as exc:
        return f"void without a reason refused ({exc.code})"
    raise AssertionError("a void without a reason was accepted")


CASES = [
    Case("PAY-01", "Cash sale gives the right change and a receipt number", cash_change),
    Case("PAY-02", "Exact cash completes the sale with no change", cash_exact),
    Case("PAY-03", "Cash in two parts completes the sale once fully paid", cash_in_parts),
    Case("PAY-04", "A zero cash amount is refused and the sale stays open", cash_zero_refused),
    Case("PAY-05", "An approved card is captured and completes the sale", card_captured),
    Case("PAY-06", "The PaymentIntent has the sale amount, currency and manual capture",
         intent_shape),
    Case("PAY-07", "The PaymentIntent metadata names the sale, attempt and till",
         intent_metadata),
    Case("PAY-08", "Stripe idempotency keys derive from the local attempt record",
         keys_from_records),
    Case("PAY-09", "The attempt is committed to the ledger before the reader is used",
         committed_before_reader),
    Case("PAY-10", "Split tender: cash first, then the card for exactly the rest",
         split_cash_card),
    Case("PAY-11", "An open sale can be voided with a reason", void_open_sale),
    Case("PAY-12", "A void without a reason is refused", void_needs_reason),
]
_ = EMULATOR_ONLY
