"""The audit log: append entries in the transaction of the action they record; verify; export.

Usage from any use case (the entry commits or vanishes with the action)::

    with uow_factory() as uow:
        ...the action...
        audit_log.append(uow.audit, "void", actor=user.user_id, details={"sale_id": ...})
        uow.commit()

or, for an event with no other write (start, stop, an export): ``audit_log.record(...)``.

Kinds in use (``KINDS``; a new kind is just a new word matching ``[a-z][a-z0-9_.]+``):
sign-ins and failures, lockouts, overrides, refunds, voids, drawer opens, settings and key
changes, user changes, exports, backups/restores, reconciliation decisions, start/stop and
recovery.

Truncation: deleting the newest entries leaves a consistent shorter chain. The head
``(seq, link)`` is therefore also saved outside the database (``AuditAnchor``: the keyring
and the custody file beside the ledger, ``adapters/custody.py``)
after each ``record`` and each ``checkpoint``; ``verify`` reports entries missing up to the
saved head. Entries appended inside other transactions are anchored at the next
``record``/``checkpoint`` (the app checkpoints at start, stop and every few minutes).
"""

from __future__ import annotations

import csv
import hmac
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TextIO

from ireti_till.domain.audit import AuditEntry, ChainRow, VerifyResult, seal, to_entry, verify_chain
from ireti_till.services.audit_anchors import AnchorCheck, BackupAnchor, check_backup_anchors
from ireti_till.services.ports import Clock
from ireti_till.services.staff_ports import (
    AuditAnchor,
    AuditFilter,
    AuditRepository,
    AuditUnitOfWork,
)

log = logging.getLogger(__name__)

SYSTEM: Final = "system"

KINDS: Final[tuple[str, ...]] = (
    "sign_in", "sign_in_failed", "sign_out", "lockout", "unlock", "lock_screen",
    "override_approved", "override_refused", "refund", "void", "drawer_open",
    "settings_changed", "key_changed", "user_created", "user_disabled", "user_enabled",
    "pin_reset", "pin_changed", "pin_collision", "audit_export", "backup", "restore",
    "reconciliation",
    "start", "stop", "recovery",
)

AUDIT_KEY_NAME: Final = "audit-key"


class AuditLog:
    def __init__(
        self,
        uow_factory: Callable[[], AuditUnitOfWork],
        key: bytes,
        clock: Clock,
        anchor: AuditAnchor | None = None,
        read_uow_factory: Callable[[], AuditUnitOfWork] | None = None,
    ) -> None:
        if len(key) < 32:
            raise ValueError("the audit key must be at least 32 bytes")
        self._uow_factory = uow_factory
        self._key = key
        self._clock = clock
        self._anchor = anchor
        # reads (verify streams the whole log) must not hold the ledger's write lock
        self._read_uow = read_uow_factory or uow_factory

    def append(self, repo: AuditRepository, kind: str, actor: str,
               details: Mapping[str, Any]) -> ChainRow:
        """Append inside the caller's transaction (which holds the write lock)."""
        head = repo.head()
        seq, prev = (1, None) if head is None else (head[0] + 1, head[1])
        row = seal(self._key, prev, seq, self._clock.now(), kind, actor, details)
        repo.append(row)
        return row

    def record(self, kind: str, actor: str, details: Mapping[str, Any]) -> ChainRow:
        """Append in a transaction of its own, then move the anchor to it."""
        with self._uow_factory() as uow:
            row = self.append(uow.audit, kind, actor, details)
            uow.commit()
        self._save_anchor(row.seq, row.link)
        return row

    def checkpoint(self) -> tuple[int, str] | None:
        """Save the current head as the anchor (call at start, stop and periodically)."""
        with self._uow_factory() as uow:
            head = uow.audit.head()
        if head is not None:
            self._save_anchor(*head)
        return head

    def after_restore(self, actor: str, details: Mapping[str, Any]) -> ChainRow:
        """After a backup was restored: the log is legitimately shorter than the anchor.

        Records a ``restore`` entry that names the head the anchor had (so the rollback
        stays visible in the chain) and moves the anchor to the restored log's new head."""
        saved = self._anchor.load() if self._anchor is not None else None
        row = self.record("restore", actor, {
            **details, "anchor_seq_before": saved[0] if saved else 0,
        })
        if self._anchor is not None:
            self._anchor.save(row.seq, row.link)
        return row

    def _save_anchor(self, seq: int, link: str) -> None:
        """Move the anchor to ``(seq, link)``, but only when the entry it points at now is
        still in the chain with the same link: after entries were deleted or rewritten the
        anchor stays where it was, so ``verify`` keeps reporting the gap however much trading
        follows."""
        if self._anchor is None:
            return
        try:
            saved = self._anchor.load()
            if saved is not None and saved[0] >= seq:
                return
            if saved is not None and not self._still_in_chain(saved):
                log.error("audit anchor kept at entry %d: that entry is no longer in the chain "
                          "(deleted or changed); `ireti-till audit verify` reports it", saved[0])
                return
            self._anchor.save(seq, link)
        except Exception:  # the anchor is a second line of defence; never stop trading
            log.warning("could not save the audit anchor", exc_info=True)

    def _still_in_chain(self, anchor: tuple[int, str]) -> bool:
        with self._read_uow() as uow:
            for row in uow.audit.rows(after_seq=anchor[0] - 1):
                return row.seq == anchor[0] and hmac.compare_digest(row.link, anchor[1])
        return False

    def verify(self) -> VerifyResult:
        """Stream every entry through the chain check (never loads the log into memory)."""
        anchor = self._anchor.load() if self._anchor is not None else None
        with self._read_uow() as uow:
            return verify_chain(self._key, uow.audit.rows(), anchor)

    def verify_backups(self, anchors: Sequence[BackupAnchor]) -> AnchorCheck:
        """Check the live chain against the heads recorded by backups (``audit_anchors``)."""
        with self._read_uow() as uow:
            return check_backup_anchors(uow.audit.rows(), anchors)

    def search(self, flt: AuditFilter) -> list[AuditEntry]:
        with self._read_uow() as uow:
            return [to_entry(r) for r in uow.audit.query(flt)]

    def kinds(self) -> list[str]:
        with self._read_uow() as uow:
            found = set(uow.audit.kinds())
        return sorted(found | set(KINDS))

    def export_csv(self, stream: TextIO, flt: AuditFilter, actor: str) -> int:
        """Write matching entries (with their links) as CSV; the export is itself audited."""
        with self._read_uow() as uow:
            rows = uow.audit.query(flt)
        writer = csv.writer(stream)
        writer.writerow(["seq", "at", "kind", "actor", "details", "link"])
        for r in rows:
            writer.writerow([r.seq, r.at, _cell(r.kind), _cell(r.actor), _cell(r.details),
                             r.link])
        self.record("audit_export", actor, {
            "rows": len(rows), "actor_filter": flt.actor or "", "kind_filter": flt.kind or "",
        })
        return len(rows)


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a leading = + - @ gets a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def describe(entry: AuditEntry) -> str:
    """One line for the viewer: ``key=value`` pairs of the details."""
    return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}"
                     for k, v in sorted(entry.details.items()))
