"""``Idempotent-Replayed`` travels on the till's payment error and into the outbox outcome."""

from __future__ import annotations

import stripe

from ireti_till.adapters.stripe_errors import to_domain
from ireti_till.domain.payment_errors import StripeApiError, StripePaymentError
from ireti_till.services.card_calls import attempt_call, outcome_of


def _api_error(headers: dict[str, str]) -> stripe.APIError:
    return stripe.APIError("boom", http_status=500, json_body={"error": {"type": "api_error"}},
                           headers=headers)


def test_replayed_header_sets_the_flag_case_insensitively() -> None:
    err = to_domain(_api_error({"idempotent-replayed": "True", "Request-Id": "req_1"}))
    assert isinstance(err, StripeApiError)
    assert err.replayed is True and err.request_id == "req_1"
    assert to_domain(_api_error({"Idempotent-Replayed": "false"})).replayed is False
    assert to_domain(_api_error({})).replayed is False


def test_declines_carry_the_flag_too() -> None:
    card = stripe.CardError("declined", None, "card_declined", http_status=402,
                            json_body={"error": {"code": "card_declined",
                                                 "decline_code": "insufficient_funds"}},
                            headers={"Idempotent-Replayed": "true"})
    err = to_domain(card)
    assert err.replayed is True and err.code == "IT-311"


def test_outcome_reads_the_flag_not_the_cause() -> None:
    err = StripePaymentError(http_status=500, replayed=True)
    assert outcome_of(err).replayed is True
    assert outcome_of(StripePaymentError(http_status=500)).replayed is False

    def fails() -> None:
        raise StripeApiError(http_status=500, replayed=True)

    result, outcome = attempt_call(fails)
    assert result is None and outcome.replayed and outcome.http_status == 500
