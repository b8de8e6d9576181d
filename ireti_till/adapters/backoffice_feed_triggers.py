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
    stamps: tuple[str, ...] = ()  # columns set once after the insert (fed as <kind>_<col>)


FEED_SOURCES: dict[str, FeedSource] = {
    "sales": FeedSource("sale", ("id",), stamps=("shift_id",)),
    "sale_lines": FeedSource("sale_line", ("sale_id", "line_no")),
    "sale_taxes": FeedSource("sale_tax", ("sale_id", "tax_code")),
    "sale_tenders": FeedSource("sale_tender", ("sale_id", "seq")),
    "refunds": FeedSource("refund", ("id",), stamps=("shift_id",)),
    "refund_legs": FeedSource("refund_leg", ("refund_id", "seq")),
    "refund_lines": FeedSource("refund_line", ("refund_id", "line_no")),
    "audit_log": FeedSource("audit", ("seq",)),
    "card_attempts": FeedSource("card_attempt", ("attempt_id",), "state", ("params_json",)),
    "payment_outbox": FeedSource("payment_op", ("op_id",), "state", ("params_json",)),
    # h5's trading-day tables (0008_trading_day): installed here when 0009 runs after it
    "shifts": FeedSource("shift", ("id",), "state"),
    "z_reports": FeedSource("z_report", ("id",)),
    "cash_movements": FeedSource("cash_movement", ("id",)),
    "cash_counts": FeedSource("cash_count", ("shift_id", "purpose", "denomination_minor")),
    # cross-till refunds (0010_cross_till_refunds): which till's sale a refund refunds
    "remote_refunds": FeedSource("remote_refund", ("refund_id",), "state", ("sale_json",)),
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


def _key_expr(kind: str, cols: list[str]) -> str:
    return " || ':' || ".join([f"'{kind}'", *(f"ifnull(NEW.{c}, '')" for c in cols)])


def _object(cols: list[str]) -> str:
    return "'{' || " + " || ',' || ".join(f"'\"{c}\":' || {_json(c)}" for c in cols) + " || '}'"


def _trigger(name: str, event: str, table: str, kind: str, key: str, obj: str,
             when: str = "") -> str:
    return (f"CREATE TRIGGER {name} {event} ON {table} {when} BEGIN "  # noqa: S608
            f"INSERT INTO bo_feed (kind, item_key, at, payload) VALUES "
            f"('{kind}', {key}, {NOW}, {obj}); END")


def install(conn: Connection, table: str) -> bool:
    """Create the feed triggers for ``table``; False if the table does not exist (yet)."""
    source = FEED_SOURCES[table]
    present = _columns(conn, table)
    cols = [c for c in present if c not in source.exclude]
    if not cols:
        return False
    obj = _object(cols)
    key_cols = list(source.key)
    state = source.state if source.state in present else None
    if state:  # each state is its own record: the key names it (and when it was set)
        key_cols += [state, *(["updated_at"] if "updated_at" in present else [])]
    key = _key_expr(source.kind, key_cols)
    conn.execute(text(_trigger(f"bo_feed_{table}_ins", "AFTER INSERT", table, source.kind,
                               key, obj)))
    if state:
        conn.execute(text(_trigger(f"bo_feed_{table}_state", f"AFTER UPDATE OF {state}", table,
                                   source.kind, key, obj,
                                   f"WHEN OLD.{state} IS NOT NEW.{state}")))
    for col in (c for c in source.stamps if c in present):
        kind = f"{source.kind}_{col}"[:32]
        conn.execute(text(_trigger(
            f"bo_feed_{table}_{col}", f"AFTER UPDATE OF {col}", table, kind,
            _key_expr(kind, [*source.key, col]), _object([*source.key, col]),
            f"WHEN OLD.{col} IS NOT NEW.{col}")))
    return True


def uninstall(conn: Connection, table: str) -> None:
    for suffix in ("ins", "state", *FEED_SOURCES[table].stamps):
        conn.execute(text(f"DROP TRIGGER IF EXISTS bo_feed_{table}_{suffix}"))
