"""`ireti-till reconcile --date D` against the Stripe emulator, with mismatches injected."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from trading_day_support import eur, sale

from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.adapters.stripe_gateway import StripeGateway
from ireti_till.commands import reconcile as command
from ireti_till.domain.refund_policy import LegAction
from ireti_till.domain.sale import Tender
from ireti_till.services.payment_port import Address
from ireti_till.services.refund_ports import RefundLegRecord, RefundRecord
from ireti_till.training.server import Emulator, EmulatorConfig


@pytest.fixture
def emulator_gateway() -> Iterator[StripeGateway]:
    """The real emulator on loopback and the real SDK gateway (the contract-checking fixtures
    need the shared OpenAPI file beside the main checkout)."""
    emulator = Emulator.start(EmulatorConfig(rate_limit=None))
    try:
        yield StripeGateway(emulator.api_key, base_url=emulator.base_url, training=True,
                            max_network_retries=0)
    finally:
        emulator.stop()


@pytest.fixture
def emulator_reader(emulator_gateway: StripeGateway) -> Any:
    location = emulator_gateway.create_location(
        "Training shop", Address("1 High Street", "London", "GB", "N1 1AA"),
        idempotency_key="fixture-location")
    return emulator_gateway.register_reader("simulated-wpe", location.id, label="Till 1",
                                            idempotency_key="fixture-reader")


def charge(gw: Any, reader: Any, amount: int, *, till: str = "T01",
           capture: bool = True) -> str:
    attempt = str(uuid.uuid4())
    pi = gw.create_intent(amount, "EUR", idempotency_key=f"{attempt}:create",
                          metadata={"sale_id": str(uuid.uuid4()), "attempt_id": attempt,
                                    "till_id": till})
    gw.process_on_reader(reader.id, pi.id, idempotency_key=f"{attempt}:process:1")
    gw.simulate_reader(reader.id, "approve")
    if capture:
        gw.capture_intent(pi.id, idempotency_key=f"{attempt}:capture")
    return str(pi.id)


def card_sale(ledger: Ledger, amount: int, intent_id: str) -> None:
    s = sale(amount, card=amount, when=datetime.now().astimezone())
    s = dataclasses.replace(s, tenders=(Tender("card", eur(amount), eur(amount), eur(0),
                                               reference=intent_id),))
    with ledger.uow_factory() as u:
        u.sales.add(s)
        u.commit()


def card_refund(ledger: Ledger, no: int, amount: int, intent_id: str, leg_id: uuid.UUID) -> None:
    record = RefundRecord(uuid.uuid4(), "T01", no, None, eur(amount), "faulty", "ada", "bola",
                          None, False, (), datetime.now().astimezone(),
                          (RefundLegRecord(1, "att", LegAction.CARD_REFUND, eur(amount),
                                           intent_id=intent_id, leg_id=leg_id),))
    with ledger.uow_factory() as u:
        u.refunds.add(record)
        u.commit()


def test_reconcile_lists_every_injected_mismatch(
        data_dir: Path, emulator_gateway: Any, emulator_reader: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    gw, reader = emulator_gateway, emulator_reader
    ledger = open_ledger(data_dir)
    try:
        good = charge(gw, reader, 1200)
        card_sale(ledger, 1200, good)  # matched
        card_sale(ledger, 900, "pi_never_at_stripe")  # missing at Stripe
        orphan = charge(gw, reader, 700)  # charged, no sale in the ledger
        other = charge(gw, reader, 1500)
        card_sale(ledger, 1000, other)  # another amount
        cancelled = charge(gw, reader, 400, capture=False)
        gw.cancel_intent(cancelled, idempotency_key="x:cancel")
        card_sale(ledger, 400, cancelled)  # another state
        charge(gw, reader, 999, till="T99")  # another till: not ours, not listed
        leg = uuid.uuid4()
        gw.create_refund(good, idempotency_key=f"{leg}:refund", amount_minor=200,
                         metadata={"refund_id": str(leg)})
        card_refund(ledger, 1, 200, good, leg)  # refund matched
        card_refund(ledger, 2, 300, good, uuid.uuid4())  # refund missing at Stripe
    finally:
        ledger.close()
    today = datetime.now().astimezone().date().isoformat()
    status = command.main(["--data-dir", str(data_dir), "--date", today, "--json"],
                          gateway_factory=lambda: gw)
    out = json.loads(capsys.readouterr().out)
    assert status == 1
    found = {(m["kind"], m["ref"]) for m in out["mismatches"]}
    assert found == {("missing_at_stripe", "T01-000002"), ("missing_in_ledger", orphan),
                     ("amount", "T01-000003"), ("state", "T01-000004"),
                     ("missing_at_stripe", "T01-R000002")}
    assert out["payments_matched"] == 1 and out["refunds_matched"] == 1


def test_a_clean_day_exits_0_and_a_bad_date_has_its_code(
        data_dir: Path, emulator_gateway: Any, emulator_reader: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    ledger = open_ledger(data_dir)
    try:
        card_sale(ledger, 500, charge(emulator_gateway, emulator_reader, 500))
    finally:
        ledger.close()
    today = datetime.now().astimezone().date()
    assert command.main(["--data-dir", str(data_dir), "--date", today.isoformat()],
                        gateway_factory=lambda: emulator_gateway) == 0
    assert "1 payments and 0 refunds matched, 0 mismatch(es)" in capsys.readouterr().out
    yesterday = (today - timedelta(days=1)).isoformat()
    assert command.main(["--data-dir", str(data_dir), "--date", yesterday],
                        gateway_factory=lambda: emulator_gateway) == 0
    assert command.main(["--data-dir", str(data_dir), "--date", "04/12/2026"],
                        gateway_factory=lambda: emulator_gateway) == 2
    assert "IT-650" in capsys.readouterr().err


def test_the_command_reaches_a_standalone_emulator_or_says_why_not(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    today = datetime.now().astimezone().date().isoformat()
    assert command.main(["--data-dir", str(data_dir), "--date", today]) == 2
    assert "IT-651" in capsys.readouterr().err  # training mode, no key, no emulator
    emulator = Emulator.start(EmulatorConfig(rate_limit=None))
    try:
        assert command.main(["--data-dir", str(data_dir), "--date", today,
                             "--emulator-url", emulator.base_url]) == 0
    finally:
        emulator.stop()
    assert "0 payments and 0 refunds matched, 0 mismatch(es)" in capsys.readouterr().out
