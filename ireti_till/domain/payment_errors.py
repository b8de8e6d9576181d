"""Card-payment errors (``IT-3xx``): what went wrong with a reader, a card or Stripe.

Each carries what a payments engine needs to decide its next step, beside the message
for the cashier:

- ``retryable``: sending the same request again (same idempotency key) may succeed;
- ``should_retry``: Stripe's own hint from the ``Stripe-Should-Retry`` header (``None``
  when Stripe gave none), which wins over our guess when present;
- ``outcome_unknown``: the request may have taken effect (network failure, a timeout
  after sending): re-read before doing anything else, never start over;
- ``http_status``, ``request_id`` (Stripe's ``Request-Id``, for support), ``stripe_code``
  and ``decline_code`` as Stripe sent them;
- ``replayed``: the answer carried ``Idempotent-Replayed: true`` (Stripe replayed a result
  it stored under our key: resending the same key will get the same answer).

docs/errors/payments.md explains every code for cashiers and IT.
"""

from __future__ import annotations

from ireti_till.domain.errors import PaymentError


class StripePaymentError(PaymentError):
    code = "IT-300"
    default_message = "The card payment could not be completed. Try again or take cash."
    retryable = False
    outcome_unknown = False

    def __init__(self, message: str | None = None, *, http_status: int | None = None,
                 request_id: str | None = None, stripe_code: str | None = None,
                 decline_code: str | None = None, should_retry: bool | None = None,
                 detail: str | None = None, code: str | None = None,
                 replayed: bool = False) -> None:
        super().__init__(message or self.default_message, code=code)
        self.http_status = http_status
        self.request_id = request_id
        self.stripe_code = stripe_code
        self.decline_code = decline_code
        self.should_retry = should_retry
        self.replayed = replayed
        #: Stripe's own message, for logs and IT (not shown to the cashier).
        self.detail = detail

    @property
    def retry_advised(self) -> bool:
        """Stripe's hint when it gave one, else our own judgement."""
        return self.retryable if self.should_retry is None else self.should_retry


class CardDeclined(StripePaymentError):
    """The card was declined. The PaymentIntent returns to ``requires_payment_method``:
    the same intent can take another card."""

    code = "IT-310"
    default_message = "The card was declined. Ask for another card or another way to pay."


#: decline code -> (error code, cashier message, retryable with the same card)
DECLINES: dict[str, tuple[str, str, bool]] = {
    "generic_decline": ("IT-310", CardDeclined.default_message, False),
    "do_not_honor": ("IT-310", CardDeclined.default_message, False),
    "insufficient_funds": ("IT-311", "The card was declined for insufficient funds. Ask for "
                           "another card or another way to pay.", False),
    "lost_card": ("IT-312", "The card was declined. Ask for another way to pay; do not "
                  "retry this card.", False),
    "stolen_card": ("IT-312", "The card was declined. Ask for another way to pay; do not "
                    "retry this card.", False),
    "pickup_card": ("IT-312", "The card was declined. Ask for another way to pay; do not "
                    "retry this card.", False),
    "expired_card": ("IT-313", "The card has expired. Ask for another card.", False),
    "incorrect_cvc": ("IT-314", "The card's details could not be verified. Ask the customer "
                      "to try again or use another card.", False),
    "incorrect_pin": ("IT-314", "The PIN was wrong. Ask the customer to try again.", True),
    "processing_error": ("IT-315", "The card could not be processed just now. Try the same "
                         "card again in a moment.", True),
    "try_again_later": ("IT-315", "The card could not be processed just now. Try the same "
                        "card again in a moment.", True),
}


def card_declined(decline_code: str | None, *, http_status: int | None = None,
                  request_id: str | None = None, stripe_code: str | None = None,
                  should_retry: bool | None = None, detail: str | None = None,
                  replayed: bool = False) -> CardDeclined:
    """The ``CardDeclined`` for a Stripe decline code (unknown codes: generic decline)."""
    code, message, retryable = DECLINES.get(decline_code or "generic_decline",
                                            DECLINES["generic_decline"])
    error = CardDeclined(message, code=code, decline_code=decline_code,
                         http_status=http_status, request_id=request_id,
                         stripe_code=stripe_code, should_retry=should_retry, detail=detail,
                         replayed=replayed)
    error.retryable = retryable
    return error


class ReaderBusy(StripePaymentError):
    code = "IT-320"
    default_message = ("The card reader is busy with another request. Wait for it to finish "
                       "or cancel on the reader, then try again.")
    retryable = True


class ReaderOffline(StripePaymentError):
    code = "IT-321"
    default_message = ("The card reader is offline. Check it is switched on and connected "
                       "to the network; take cash meanwhile.")
    retryable = True


class ReaderTimeout(StripePaymentError):
    """Stripe could not confirm the command reached the reader. It may have: re-read the
    reader and the PaymentIntent; never create a new PaymentIntent for this attempt."""

    code = "IT-322"
    default_message = ("The card reader did not answer in time. Checking whether the "
                       "payment started — do not start a new card payment yet.")
    retryable = True
    outcome_unknown = True


class ReaderActionFailed(StripePaymentError):
    """The reader's action failed: the customer cancelled, or no card was presented."""

    code = "IT-323"
    default_message = "The payment was cancelled on the card reader. Try again or take cash."


class IntentInvalidState(StripePaymentError):
    """The PaymentIntent is not in a state that allows this (already captured, cancelled,
    or on another reader). Re-read it: the operation may already have happened."""

    code = "IT-330"
    default_message = ("This card payment is not in a state that allows that step. The till "
                       "will re-check it; do not charge the customer again.")


class StripeAuthenticationError(StripePaymentError):
    code = "IT-340"
    default_message = ("The till's Stripe key was refused. Card payments are off until IT "
                       "fixes the key; take cash.")


class RateLimited(StripePaymentError):
    code = "IT-341"
    default_message = "Stripe asked the till to slow down. The till will retry shortly."
    retryable = True


class StripeUnreachable(StripePaymentError):
    """No answer from Stripe: the request may or may not have been applied."""

    code = "IT-342"
    default_message = ("Stripe cannot be reached. Card payments are paused; take cash. "
                       "Anything already sent will be confirmed when the line is back.")
    retryable = True
    outcome_unknown = True


class IdempotencyMismatch(StripePaymentError):
    """The same idempotency key was sent with different parameters: a bug, never retried."""

    code = "IT-343"
    default_message = ("The till sent conflicting payment requests. Nothing was charged "
                       "twice; call IT with the error code.")


class IdempotencyInProgress(StripePaymentError):
    """Another request with this idempotency key is still running at Stripe."""

    code = "IT-344"
    default_message = "The payment request is still being processed. The till will re-check."
    retryable = True
    outcome_unknown = True


class InvalidPaymentRequest(StripePaymentError):
    code = "IT-345"
    default_message = ("Stripe rejected the payment request. Take another form of payment "
                       "and call IT with the error code.")


class PaymentNotFound(InvalidPaymentRequest):
    code = "IT-346"
    default_message = "Stripe has no record of that payment, refund or reader. Call IT."


class RefundTooLarge(InvalidPaymentRequest):
    code = "IT-347"
    default_message = ("The refund is more than is left to refund on this payment. Check "
                       "earlier refunds of this sale.")


class StripeApiError(StripePaymentError):
    """Stripe failed on its side (5xx)."""

    code = "IT-348"
    default_message = "Stripe had a problem. The till will retry; take cash if it persists."
    retryable = True
    outcome_unknown = True


class LiveKeyInTraining(StripePaymentError):
    code = "IT-350"
    default_message = ("Training mode cannot use a live Stripe key. Remove the live key or "
                       "leave training mode.")


class TrainingOnly(StripePaymentError):
    code = "IT-351"
    default_message = "That action only exists in training mode."
