"""Stripe's published test card numbers and what the emulated issuer does with each.

The numbers and outcomes follow Stripe's testing guide for card-present payments:
4242… approves; 4000000000000002 is a generic decline; …9995 insufficient funds;
…9987 lost card; …0069 expired card; …0119 processing error. ``4000000000005126``
approves, but a refund of it fails later (Stripe's "refund fails asynchronously" card).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    funding: str = "credit"
    #: ``None`` approves; otherwise the Stripe error ``code`` of the decline.
    error_code: str | None = None
    decline_code: str | None = None
    message: str = ""
    refund_fails: bool = False

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def approves(self) -> bool:
        return self.error_code is None


_DECLINED = "card_declined"

TEST_CARDS: dict[str, TestCard] = {
    c.number: c
    for c in (
        TestCard("4242424242424242", "visa"),
        TestCard("4000056655665556", "visa", funding="debit"),
        TestCard("5555555555554444", "mastercard"),
        TestCard("378282246310005", "amex"),
        TestCard("4000000000005126", "visa", refund_fails=True),
        TestCard("4000000000000002", "visa", error_code=_DECLINED, decline_code="generic_decline",
                 message="Your card was declined."),
        TestCard("4000000000009995", "visa", error_code=_DECLINED,
                 decline_code="insufficient_funds", message="Your card has insufficient funds."),
        TestCard("4000000000009987", "visa", error_code=_DECLINED, decline_code="lost_card",
                 message="Your card was declined."),
        TestCard("4000000000009979", "visa", error_code=_DECLINED, decline_code="stolen_card",
                 message="Your card was declined."),
        TestCard("4000000000000069", "visa", error_code="expired_card",
                 decline_code="expired_card", message="Your card has expired."),
        TestCard("4000000000000127", "visa", error_code="incorrect_cvc",
                 decline_code="incorrect_cvc", message="Your card's security code is incorrect."),
        TestCard("4000000000000119", "visa", error_code="processing_error",
                 decline_code="processing_error",
                 message="An error occurred while processing your card. "
                 "Try again in a little bit."),
    )
}

DEFAULT_CARD = "4242424242424242"

#: Named outcomes a trainer (or a test) can ask the simulated reader for.
OUTCOME_CARDS: dict[str, str] = {
    "approve": "4242424242424242",
    "decline": "4000000000000002",
    "insufficient_funds": "4000000000009995",
    "lost_card": "4000000000009987",
    "stolen_card": "4000000000009979",
    "expired": "4000000000000069",
    "incorrect_cvc": "4000000000000127",
    "processing_error": "4000000000000119",
    "refund_fails": "4000000000005126",
}
#: Outcomes that are not a card: the customer cancels on the reader, or never taps.
READER_OUTCOMES = ("customer_cancels", "reader_timeout")
OUTCOMES: tuple[str, ...] = (*OUTCOME_CARDS, *READER_OUTCOMES)


def lookup(number: str) -> TestCard | None:
    """The test card for ``number`` (spaces ignored), or ``None`` if it is not one."""
    return TEST_CARDS.get(number.replace(" ", ""))
