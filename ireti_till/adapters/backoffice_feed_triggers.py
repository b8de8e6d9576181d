"""SQLite triggers that fill the till's back-office feed, so no service has to remember.

Every insert into a ledger table in ``FEED_SOURCES`` (and every change of its ``state``
column, when it has one) appends one row to ``bo_feed`` in the same transaction as the
ledger write: the feed can never miss a committed record, nor hold an uncommitted one.

Adding a kind is one line in ``FEED_SOURCES`` plus a migration that calls
``install(conn, table)`` (tables that do not exist yet are skipped, so listing a table that a
later migration creates is harmless: that migration calls ``install`` for it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class FeedSource:
    kind: str
    key: tuple[str, ...]  # columns naming the record
    state: str | None = None  # a state column whose changes are fed too
    exclude: tuple[str, ...] = ()  # columns never sent (nothing secret is in the ledger)


FEED_SOURCES: dict[str, FeedSource] = {
    "sales": FeedSource("sale", ("id",)),
    "sale_lines": FeedSource("sale_line", ("sale_id", "line_no")),
    "sale_taxes": FeedSource("sale_tax", ("sale_id", "tax_code")),
    "sale_tenders": FeedSource("sale_tender", ("sale_id", "seq")),
    "refunds": FeedSource("refund", ("id",)),
    "refund_legs": FeedSource("refund_leg", ("refund_id", "seq")),
    "refund_lines": FeedSource("refund_line", ("refund_id", "line_no")),
    "audit_log": FeedSource("audit", ("seq",)),
    "card_attempts": FeedSource("card_attempt", ("attempt_id",), "state", ("params_json",)),
    "payment_outbox": FeedSource("payment_op", ("op_id",), "state", ("params_json",)),
    # h5's trading-day tables (installed by their migration, or here if they exist already)
    "shifts": FeedSource("shift", ("id",), "state"),
    "z_reports": FeedSource("z_report", ("id",)),
    "cash_movements": FeedSource("cash_movement", ("id",)),
}

NOW = "strftime('%Y-%m-%dT%H:%M:%fZ','now')"


def _columns(conn: Connection, table: str) -> list[str]:
    return [str(r[1]) for r in conn.execute(text(f"PRAGMA table_info({table})"))]


def _json(col: str) -> str:
    """A JSON value for ``NEW.col`` built from innocuous core functions only: the ledger runs
    with ``trusted_schema=OFF``, under which SQLite 3.40 refuses ``json_object`` in a
    trigger. Control characters stay raw; the reader parses with ``strict=False``."""
    v = f"NEW.{col}"
    text_ = f"""'"' || replace(replace({v}, '\\', '\\\\'), '"', '\\"') || '"'"""
    return (f"CASE typeof({v}) WHEN 'null' THEN 'null' WHEN 'integer' THEN CAST({v} AS TEXT) "
            f"WHEN 'real' THEN CAST({v} AS TEXT) WHEN 'blob' THEN '\"' || hex({v}) || '\"' "
            f"ELSE {text_} END")


def _key_expr(source: FeedSource, with_state: bool) -> str:
    cols = [*source.key, *((source.state, "updated_at") if with_state and source.state else ())]
    parts = [f"'{source.kind}'", *(f"ifnull(NEW.{c}, '')" for c in cols)]
    return " || ':' || ".join(parts)


def install(conn: Connection, table: str) -> bool:
    """Create the feed triggers for ``table``; False if the table does not exist (yet)."""
    source = FEED_SOURCES[table]
    cols = [c for c in _columns(conn, table) if c not in source.exclude]
    if not cols:
        return False
    obj = "'{' || " + " || ',' || ".join(f"'\"{c}\":' || {_json(c)}" for c in cols) + " || '}'"
    has_updated = "updated_at" in cols
    with_state = source.state is not None and has_updated
    conn.execute(text(
        f"CREATE TRIGGER bo_feed_{table}_ins AFTER INSERT ON {table} BEGIN "  # noqa: S608
        f"INSERT INTO bo_feed (kind, item_key, at, payload) VALUES "
        f"('{source.kind}', {_key_expr(source, with_state)}, {NOW}, {obj}); END"))
    if with_state:
        conn.execute(text(
            f"CREATE TRIGGER bo_feed_{table}_state AFTER UPDATE OF {source.state} ON {table} "  # noqa: S608
            f"WHEN OLD.{source.state} IS NOT NEW.{source.state} BEGIN "
            f"INSERT INTO bo_feed (kind, item_key, at, payload) VALUES "
            f"('{source.kind}', {_key_expr(source, True)}, {NOW}, {obj}); END"))
    return True


def uninstall(conn: Connection, table: str) -> None:
    for suffix in ("ins", "state"):
        conn.execute(text(f"DROP TRIGGER IF EXISTS bo_feed_{table}_{suffix}"))
