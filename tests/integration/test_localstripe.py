"""A second opinion: the gateway's PaymentIntent and refund paths run against localstripe
as well as the emulator, with the same assertions. Requests are checked against the
OpenAPI subset on both; localstripe's responses are not (it is not Stripe and omits
fields). localstripe runs in-process, bound to 127.0.0.1 on a free port, with its
pickle-on-disk store switched off.

What localstripe does not do (DESIGN §13 and its source) is marked with the reason as a
strict xfail on localstripe only: the case still runs there and must fail, so a stated
gap cannot silently become false. Not attempted at all: /v1/terminal/* (it has none),
search, event filters. Its lists run oldest first, so list tests compare sets.
"""

import asyncio
import threading
from collections.abc import Iterator

import pytest
import stripe

from ireti_till.domain import payment_errors as pe
from ireti_till.services.payment_port import Address
from tests.fixtures.emulator import *  # noqa: F403

localstripe_server = pytest.importorskip("localstripe.server",
                                         reason="localstripe is not installed")
from aiohttp import web  # noqa: E402
from localstripe import resources as ls_resources  # noqa: E402

META = {"sale_id": "s-1", "attempt_id": "a-1", "till_id": "t-1"}


@pytest.fixture(scope="module")
def localstripe_url() -> Iterator[str]:
    ls_resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    ls_resources.Store.try_load_from_disk = lambda self: None  # type: ignore[method-assign]
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(localstripe_server.app)
    started = threading.Event()
    box = {}

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        box["port"] = runner.addresses[0][1]
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="localstripe", daemon=True)
    thread.start()
    assert started.wait(10), "localstripe did not start"
    yield f"http://127.0.0.1:{box['port']}"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


class Backend:
    """One place the gateway talks to, and how a card gets authorised there."""

    def __init__(self, name, gateway, authorise_card, request):
        self.name = name
        self.gw = gateway
        self.authorise_card = authorise_card
        self._request = request

    def unsupported_on_localstripe(self, reason):
        """A known gap: on localstripe the test still runs and must fail (strict xfail),
        so the stated reason stays true."""
        if self.name == "localstripe":
            self._request.applymarker(pytest.mark.xfail(reason=f"localstripe: {reason}",
                                                        strict=True))


@pytest.fixture(params=["emulator", "localstripe"])
def backend(request, make_gateway, make_emulator) -> Backend:
    if request.param == "emulator":
        emu = make_emulator()
        gw = make_gateway(emu)
        loc = gw.create_location("Shop", Address("1 High St", "Leeds", "GB"),
                                 idempotency_key="loc")
        reader = gw.register_reader("simulated-wpe", loc.id, label="T", idempotency_key="rd")

        def authorise_emulator(intent_id):
            gw.process_on_reader(reader.id, intent_id, idempotency_key=f"{intent_id}:p1")
            gw.simulate_reader(reader.id, "approve")

        return Backend("emulator", gw, authorise_emulator, request)
    url = request.getfixturevalue("localstripe_url")
    ls_resources.store.clear()
    gw = make_gateway(base_url=url, api_key="sk_test_localstripe", check_responses=False)
    raw = stripe.StripeClient("sk_test_localstripe", base_addresses={"api": url}).v1

    def authorise_localstripe(intent_id):
        # no Terminal in localstripe: a card PaymentMethod confirmed server-side
        pm = raw.payment_methods.create(params={"type": "card", "card": {
            "number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}})
        raw.payment_intents.update(intent_id, params={"payment_method": pm.id})
        raw.payment_intents.confirm(intent_id)

    return Backend("localstripe", gw, authorise_localstripe, request)


def authorised(backend, amount=2500, attempt="a-1"):
    pi = backend.gw.create_intent(amount, "gbp", idempotency_key=f"{attempt}:create",
                                  metadata={**META, "attempt_id": attempt})
    backend.authorise_card(pi.id)
    return backend.gw.retrieve_intent(pi.id)


def test_create_and_retrieve(backend):
    pi = backend.gw.create_intent(1200, "GBP", idempotency_key="c:create", metadata=META)
    assert (pi.status, pi.amount_minor, pi.currency, pi.capture_method) == (
        "requires_payment_method", 1200, "gbp", "manual")
    assert dict(pi.metadata) == META
    again = backend.gw.retrieve_intent(pi.id)
    assert (again.id, again.status, dict(again.metadata)) == (pi.id, pi.status, META)


def test_authorise_then_partial_capture(backend):
    pi = authorised(backend)
    assert pi.status == "requires_capture"
    captured = backend.gw.capture_intent(pi.id, idempotency_key="a-1:capture",
                                         amount_to_capture_minor=2000)
    assert captured.status == "succeeded"
    backend.unsupported_on_localstripe("PaymentIntents carry no amount_received")
    assert captured.amount_received_minor == 2000


def test_capture_of_an_unauthorised_intent_fails(backend):
    backend.unsupported_on_localstripe(
        "capturing a PaymentIntent with no charge crashes its handler (500) rather than "
        "answering payment_intent_unexpected_state")
    pi = backend.gw.create_intent(100, "gbp", idempotency_key="u:create", metadata=META)
    with pytest.raises(pe.IntentInvalidState):
        backend.gw.capture_intent(pi.id, idempotency_key="u:capture")


def test_cancel_without_reason(backend):
    pi = authorised(backend)
    cancelled = backend.gw.cancel_intent(pi.id, idempotency_key="a-1:cancel")
    assert cancelled.status == "canceled"


def test_cancel_with_reason(backend):
    backend.unsupported_on_localstripe("its cancel accepts no cancellation_reason")
    pi = backend.gw.create_intent(100, "gbp", idempotency_key="r:create", metadata=META)
    assert backend.gw.cancel_intent(pi.id, idempotency_key="r:cancel",
                                    reason="abandoned").cancellation_reason == "abandoned"


def test_refunds_partial_and_several(backend):
    pi = authorised(backend, amount=3000)
    backend.gw.capture_intent(pi.id, idempotency_key="a-1:capture")
    first = backend.gw.create_refund(pi.id, idempotency_key="r1:refund", amount_minor=1000,
                                     metadata={"refund_id": "r1"})
    assert (first.status, first.amount_minor, first.payment_intent_id) == (
        "succeeded", 1000, pi.id)
    assert dict(first.metadata) == {"refund_id": "r1"}
    second = backend.gw.create_refund(pi.id, idempotency_key="r2:refund", amount_minor=500)
    assert backend.gw.retrieve_refund(first.id).amount_minor == 1000
    assert {r.id for r in backend.gw.list_refunds(pi.id)} == {first.id, second.id}


def test_refund_reason(backend):
    backend.unsupported_on_localstripe("its refunds accept no reason")
    pi = authorised(backend)
    backend.gw.capture_intent(pi.id, idempotency_key="a-1:capture")
    refund = backend.gw.create_refund(pi.id, idempotency_key="r:refund",
                                      reason="requested_by_customer")
    assert refund.reason == "requested_by_customer"


def test_over_refund_is_refused(backend):
    backend.unsupported_on_localstripe("it does not check refunds against the captured amount")
    pi = authorised(backend, amount=1000)
    backend.gw.capture_intent(pi.id, idempotency_key="a-1:capture")
    with pytest.raises(pe.RefundTooLarge):
        backend.gw.create_refund(pi.id, idempotency_key="o:refund", amount_minor=1001)


def test_idempotent_create(backend):
    backend.unsupported_on_localstripe("it ignores idempotency keys")
    first = backend.gw.create_intent(100, "gbp", idempotency_key="i:create", metadata=META)
    assert backend.gw.create_intent(100, "gbp", idempotency_key="i:create",
                                    metadata=META).id == first.id


def test_list_intents(backend):
    ids = {backend.gw.create_intent(100 + i, "gbp", idempotency_key=f"l{i}:create",
                                    metadata=META).id for i in range(3)}
    page = backend.gw.list_intents(limit=2)
    rest = backend.gw.list_intents(limit=10, starting_after=page.last_id)
    assert page.has_more and {p.id for p in page.items + rest.items} == ids


def test_missing_intent(backend):
    with pytest.raises(pe.PaymentNotFound) as caught:
        backend.gw.retrieve_intent("pi_doesnotexist")
    assert caught.value.http_status == 404
