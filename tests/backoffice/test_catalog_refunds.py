"""Catalog pulled from the server; cross-till refunds reserved on the server first."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import Engine

from ireti_till.domain.errors import BackofficeError
from ireti_till.server import catalog
from ireti_till.services.backoffice_catalog import BackofficeCatalog
from ireti_till.services.backoffice_refunds import CrossTillRefunds
from tests.backoffice.helpers import ring


def _product(sku: str, price: int) -> dict[str, object]:
    return {"sku": sku, "gtin": None, "name": f"Tea {sku}", "unit_price_minor": price,
            "currency": "EUR", "tax_code": "S", "active": True}


def test_tills_pull_catalog_changes_and_keep_their_copy(make_till, server_url,
                                                        server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    other_store = make_till("T02", server_url, store="S2")
    catalog.upsert_product(server_engine, "S1", _product("TEA1", 250), "admin")
    catalog.upsert_product(server_engine, "S2", _product("TEA9", 999), "admin")
    pull = BackofficeCatalog(till.factory, till.ledger.uow_factory, till.sync._store)
    first = pull.pull_once()
    assert first is not None and first.products == 1
    catalog.upsert_product(server_engine, "S1", _product("TEA1", 275), "admin")
    catalog.set_tax_rate(server_engine, "S1", "S", "20", "admin")
    second = pull.pull_once()
    assert second is not None and second.products == 1 and second.version > first.version
    assert pull.pull_once().products == 0  # nothing new
    with till.ledger.read_uow() as uow:
        product = uow.catalog.by_sku("TEA1")
        assert product is not None and product.unit_price.minor == 275
        assert uow.catalog.by_sku("TEA9") is None  # another store's product
    assert other_store.till_id == "T02"


def test_a_sale_from_another_till_is_found_and_refunded_once(make_till, server_url) -> None:
    t1 = make_till("T01", server_url)
    t2 = make_till("T02", server_url)
    t3 = make_till("T03", server_url)
    sale = ring(t1.ledger, "T01", 1, lines=2, qty=2)[0]
    t1.sync.run_once()
    refunds2, refunds3 = CrossTillRefunds(t2.factory), CrossTillRefunds(t3.factory)
    found = refunds2.find(till="T01", receipt_no=sale.receipt_no)
    assert found.sale_id == str(sale.sale_id) and [ln.refundable for ln in found.lines] == [2, 2]
    ref2, ref3 = uuid.uuid4(), uuid.uuid4()
    refunds2.reserve(ref2, found.sale_id, {1: 2})
    refunds2.reserve(ref2, found.sale_id, {1: 2})  # a retry is fine
    with pytest.raises(BackofficeError) as e:
        refunds3.reserve(ref3, found.sale_id, {1: 1})
    assert e.value.code == "IT-711"
    refunds2.confirm(ref2)
    assert [ln.refundable for ln in refunds3.find(sale_id=found.sale_id).lines] == [0, 2]


def test_two_tills_racing_for_the_same_line_get_one_reservation(make_till, server_url) -> None:
    t1 = make_till("T01", server_url)
    sale = ring(t1.ledger, "T01", 1, lines=1, qty=1)[0]
    t1.sync.run_once()
    tills = [make_till(f"T{n}", server_url) for n in (2, 3, 4, 5)]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(tills))

    def go(till) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            CrossTillRefunds(till.factory).reserve(uuid.uuid4(), str(sale.sale_id), {1: 1})
            outcomes.append("ok")
        except BackofficeError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=go, args=(t,)) for t in tills]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["IT-711", "IT-711", "IT-711", "ok"]


def test_offline_cross_till_refund_says_so(make_till, server_url) -> None:
    till = make_till("T01", server_url)
    till.ledger.engine  # noqa: B018
    from ireti_till.adapters.backoffice_feed import SqlFeedStore

    SqlFeedStore(till.ledger.engine).set_state("url", "http://127.0.0.1:9")  # nothing there
    with pytest.raises(BackofficeError) as e:
        CrossTillRefunds(till.factory).find(till="T01", receipt_no=1)
    assert e.value.code == "IT-712"


def test_the_composition_bundle_runs_its_jobs_enrolled_or_not(make_till, server_url,
                                                              tmp_path) -> None:
    from ireti_till.adapters.backoffice_wiring import make_backoffice
    from ireti_till.adapters.db.ledger import open_ledger
    from tests.backoffice.conftest import Secrets

    till = make_till("T01", server_url)
    bo = make_backoffice(till.ledger.engine, till.secrets, till.ledger.uow_factory)
    ring(till.ledger, "T01", 1)
    assert bo.status().waiting == 5
    for _name, job, every in bo.jobs():
        job()
        assert every > 0
    assert bo.status().text() == "back office: up to date"
    d = tmp_path / "alone"
    d.mkdir()
    alone = open_ledger(d)
    try:
        lone = make_backoffice(alone.engine, Secrets(), alone.uow_factory)
        assert [job() for _n, job, _e in lone.jobs()][1] is None
        assert lone.sync.run_once().skipped == "not enrolled"
        assert lone.status().text() == "back office: not enrolled"
    finally:
        alone.close()


def test_payment_legs_are_reserved_so_a_payment_is_never_refunded_twice(make_till,
                                                                        server_url) -> None:
    t1, t2, t3 = (make_till(t, server_url) for t in ("T01", "T02", "T03"))
    sale = ring(t1.ledger, "T01", 1, lines=2, qty=1)[0]  # 3.00 paid in cash (tender 1)
    t1.sync.run_once()
    r2, r3 = CrossTillRefunds(t2.factory), CrossTillRefunds(t3.factory)
    found = r2.find(sale_id=str(sale.sale_id))
    assert [(t.seq, t.kind, t.refundable_minor) for t in found.tenders] == [(1, "cash", 300)]
    r2.reserve(uuid.uuid4(), found.sale_id, {1: 1}, {1: 150})
    with pytest.raises(BackofficeError) as e:  # line 2 is free, but only 1.50 is left to pay
        r3.reserve(uuid.uuid4(), found.sale_id, {2: 1}, {1: 200})
    assert e.value.code == "IT-711"
    ref = uuid.uuid4()
    r3.reserve(ref, found.sale_id, {2: 1}, {1: 150})
    assert [t.refundable_minor for t in r3.find(sale_id=found.sale_id).tenders] == [0]
    r3.release(ref)  # abandoned: the line and the money are free again
    after = r3.find(sale_id=found.sale_id)
    assert [t.refundable_minor for t in after.tenders] == [150]
    assert [ln.refundable for ln in after.lines] == [0, 1]
