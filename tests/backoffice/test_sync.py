"""Till -> server sync against a real PostgreSQL: exactly once, in order, idempotent."""

from __future__ import annotations

from sqlalchemy import Engine, text

from tests.backoffice.helpers import feed_rows, ring, server_counts


def test_sales_reach_the_server_once_with_lines_taxes_and_tenders(make_till, server_url,
                                                                  server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    ring(till.ledger, "T01", 3)
    assert feed_rows(till.ledger) == 3 * (1 + 2 + 1 + 1)  # sale, 2 lines, tax, tender
    run = till.sync.run_once()
    assert run.error is None and run.acked == 15
    counts = server_counts(server_engine, "T01")
    assert counts == {"ok": 15, "ok_keys": 15}
    assert till.sync.status().waiting == 0
    run = till.sync.run_once()  # nothing left: nothing sent
    assert run.sent == 0
    with server_engine.connect() as conn:
        seqs = conn.execute(text("SELECT seq FROM feed_items ORDER BY seq")).scalars().all()
        kinds = conn.execute(text("SELECT kind, count(*) FROM feed_items GROUP BY kind")).all()
    assert seqs == list(range(1, 16))
    assert dict(kinds) == {"sale": 3, "sale_line": 6, "sale_tax": 3, "sale_tender": 3}


def test_a_resent_batch_is_acknowledged_not_duplicated(make_till, server_url,
                                                       server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    ring(till.ledger, "T01", 2)
    api = till.factory()
    items = till.ledger and till.sync._store.next_batch(50, 0)
    first = api.post_batch(items, "2026-12-04T10:00:00Z", 0)
    again = api.post_batch(items, "2026-12-04T10:00:01Z", 0)  # the ack was lost: resend
    assert first.acked_through == again.acked_through == 10
    assert server_counts(server_engine, "T01") == {"ok": 10, "ok_keys": 10}


def test_status_counts_what_is_waiting(make_till, server_url) -> None:
    till = make_till("T01", server_url)
    ring(till.ledger, "T01", 2)
    status = till.sync.status()
    assert status.waiting == 10 and status.oldest_age_s is not None
    assert status.text().startswith("back office: 10 waiting, oldest ")
    till.sync.run_once()
    assert till.sync.status().text() == "back office: up to date"


def test_large_records_are_split_into_batches_and_an_oversize_one_is_marked(
        make_till, server_url, server_engine: Engine) -> None:
    till = make_till("T01", server_url)
    with till.ledger.engine.begin() as conn:
        for i in range(1, 61):  # 60 x 40 KB: well over one request's body cap
            conn.execute(text("INSERT INTO audit_log (seq, at, kind, actor, details, link) "
                              "VALUES (:i, '2026-12-04T10:00:00Z', 'k', 'a', :d, 'l')"),
                         {"i": i, "d": "x" * 40_000})
        conn.execute(text("INSERT INTO audit_log (seq, at, kind, actor, details, link) "
                          "VALUES (61, '2026-12-04T10:00:00Z', 'k', 'a', :d, 'l')"),
                     {"d": "y" * 300_000})
    run = till.sync.run_once()
    assert run.error is None and run.acked == 61
    assert server_counts(server_engine, "T01") == {"ok": 61, "ok_keys": 61}
    with server_engine.connect() as conn:
        marker = conn.execute(text("SELECT payload FROM feed_items WHERE item_key = "
                                   "'audit:61'")).scalar_one()
        batches = conn.execute(text("SELECT count(DISTINCT received_at) FROM feed_items"))
        assert batches.scalar_one() >= 3
    assert marker["oversize"] is True and marker["bytes"] > 300_000
