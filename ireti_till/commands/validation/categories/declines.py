"""Declines and reader errors: each one shown plainly, then another card on the same intent."""

from __future__ import annotations

from collections.abc import Callable

from ireti_till.commands.validation.case import EMULATOR_ONLY, Case, Category
from ireti_till.commands.validation.env import Env, S, sale

CATEGORY = Category("declines", "Declines and reader errors", 20,
                    "Every decline Stripe test cards produce and every reader failure: the "
                    "cashier sees a coded message, nothing is charged, and the next card or "
                    "cash still works.")


def decline(outcome: str, code: str) -> Callable[[Env], str]:
    def check(env: Env) -> str:
        s = sale(700)
        env.core.tender.begin(s)
        st = env.present(env.core.cards.start(s.sale_id), outcome)
        assert st.state is S.DECLINED, st
        assert st.error_code == code, f"{st.decline_code} shown as {st.error_code}, want {code}"
        first = env.intent_of(st)
        st = env.present(env.core.cards.try_again(st.attempt_id), "approve")
        assert st.state is S.CAPTURED and env.intent_of(st) == first, st
        return f"{st.decline_code or outcome} -> {code}; next card approved on {first}"
    return check


def reader_stop(outcome: str) -> Callable[[Env], str]:
    def check(env: Env) -> str:
        st = env.card_sale([outcome])
        assert st.state is S.INTENT_CREATED, st
        shown = st.message
        st = env.core.cards.abandon(st.attempt_id, "validation")
        assert st.state is S.CANCELLED, st
        pi = env.core.ctx.gateway.retrieve_intent(env.intent_of(st))
        assert pi.status == "canceled", pi
        return f"shown {shown!r}; PaymentIntent {pi.status}"
    return check


def cash_after_decline(env: Env) -> str:
    from ireti_till.domain.money import Money

    s = sale(640)
    env.core.tender.begin(s)
    st = env.present(env.core.cards.start(s.sale_id), "decline")
    assert st.state is S.DECLINED, st
    env.core.cards.abandon(st.attempt_id, "customer pays cash")
    prog = env.core.tender.pay_cash(s.sale_id, Money(640, "EUR"))
    assert prog.completed, prog
    pi = env.core.ctx.gateway.retrieve_intent(env.intent_of(st))
    assert pi.status == "canceled", pi
    return "declined card abandoned (PaymentIntent canceled), cash completed the sale"


def two_declines(env: Env) -> str:
    st = env.card_sale(["decline", "insufficient_funds", "approve"])
    assert st.state is S.CAPTURED, st
    return "two declines then an approval, all on one PaymentIntent"


def reader_busy(env: Env) -> str:
    assert env.emu is not None
    env.emu.faults.script("reader_busy", count=1)
    s = sale(500)
    env.core.tender.begin(s)
    st = env.core.cards.start(s.sale_id)
    shown = st.error_code or st.message
    if st.state is not S.ON_READER:
        st = env.core.cards.try_again(st.attempt_id)
    st = env.present(st, "approve")
    assert st.state is S.CAPTURED, st
    return f"busy reader reported ({shown}); retry captured"


def stripe_500_on_create(env: Env) -> str:
    assert env.emu is not None
    env.emu.faults.script("http_500", path="/payment_intents$", count=1, value="true")
    st = env.card_sale(["approve"])
    assert st.state is S.CAPTURED, st
    n = len(env.core.ctx.gateway.search_intents({"attempt_id": str(st.attempt_id)}))
    assert n == 1, f"{n} PaymentIntents for one attempt"
    return f"one HTTP 500 on create, retried with the same key: captured ({n} PaymentIntent)"


CASES = [
    Case("DEC-01", "Generic decline shown as IT-310, next card approved",
         decline("decline", "IT-310")),
    Case("DEC-02", "Insufficient funds shown as IT-311, next card approved",
         decline("insufficient_funds", "IT-311")),
    Case("DEC-03", "Lost card shown as IT-312, next card approved",
         decline("lost_card", "IT-312")),
    Case("DEC-04", "Expired card shown as IT-313, next card approved",
         decline("expired", "IT-313")),
    Case("DEC-05", "Stolen card is declined and the next card approved",
         decline("stolen_card", "IT-312")),
    Case("DEC-06", "Incorrect CVC is declined and the next card approved",
         decline("incorrect_cvc", "IT-314")),
    Case("DEC-07", "Customer cancels on the reader: message shown, intent cancelled",
         reader_stop("customer_cancels"), EMULATOR_ONLY),
    Case("DEC-08", "Reader times out: message shown, intent cancelled",
         reader_stop("reader_timeout"), EMULATOR_ONLY),
    Case("DEC-09", "After a decline the customer pays cash; the intent is cancelled",
         cash_after_decline),
    Case("DEC-10", "Two declines then an approval on one PaymentIntent", two_declines),
    Case("DEC-11", "A busy reader is reported and a retry succeeds", reader_busy,
         EMULATOR_ONLY),
    Case("DEC-12", "A Stripe 500 on create is retried with the same key, no double intent",
         stripe_500_on_create, EMULATOR_ONLY),
]
