"""The live audit chain checked against the heads that backups recorded (issue 13 follow-up).

Every backup's sidecar records the audit chain's head ``(seq, link)`` of the copy it made.
Entries are only ever appended, so each such head must still be in the live chain: entry
``seq`` present with the same ``link`` (the link covers every entry before it, so a match
proves the whole chain up to it is the one the backup saw). A missing entry means the chain
was truncated below the backup's head; a different link means it was rewritten.

The one legitimate exception is a restore: restoring an older backup cuts the chain and
records a ``restore`` entry (sealed with the audit key, so it cannot be forged). A backup's
head above the point a later restore cut from (a ``restore`` entry at ``seq <= head``,
written after the backup was made) is *superseded*, not broken. Everything here streams the
log once; nothing is changed.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from ireti_till.domain.audit import ChainRow, parse_time_text

#: ``audit verify``: the chain was truncated or rewritten below a backup's recorded head.
BELOW_BACKUP_ANCHOR: Final = "IT-255"


@dataclass(frozen=True, slots=True)
class BackupAnchor:
    """The audit head a backup's sidecar recorded."""

    backup: str  # the backup's file name
    created: datetime
    seq: int
    link: str


@dataclass(frozen=True, slots=True)
class AnchorProblem:
    anchor: BackupAnchor
    reason: str

    def describe(self) -> str:
        return (f"BROKEN below the anchor of backup {self.anchor.backup} (entry "
                f"{self.anchor.seq}): {self.reason} ({BELOW_BACKUP_ANCHOR})")


@dataclass(frozen=True, slots=True)
class AnchorCheck:
    checked: int = 0
    broken: tuple[AnchorProblem, ...] = ()
    superseded: tuple[BackupAnchor, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.broken

    def describe(self) -> str:
        if not self.checked:
            return "backup anchors: none found (no backup sidecar records an audit head)"
        later = (f", {len(self.superseded)} superseded by a later restore"
                 if self.superseded else "")
        if self.ok:
            return f"backup anchors: {self.checked} checked, all in the live chain{later}"
        lines = [f"backup anchors: {self.checked} checked, {len(self.broken)} broken{later}"]
        lines += [p.describe() for p in self.broken]
        return "\n".join(lines)


def check_backup_anchors(rows: Iterable[ChainRow],
                         anchors: Sequence[BackupAnchor]) -> AnchorCheck:
    """Stream ``rows`` (in ``seq`` order) once and check every backup's recorded head."""
    wanted = {a.seq for a in anchors}
    links: dict[int, str] = {}
    restores: list[tuple[int, datetime]] = []
    last = 0
    for row in rows:
        last = row.seq
        if row.seq in wanted:
            links[row.seq] = row.link
        if row.kind == "restore":
            restores.append((row.seq, parse_time_text(row.at)))
    broken: list[AnchorProblem] = []
    superseded: list[BackupAnchor] = []
    for a in sorted(anchors, key=lambda x: (x.seq, x.backup)):
        link = links.get(a.seq)
        if link is not None and hmac.compare_digest(link, a.link):
            continue
        if any(seq <= a.seq and at >= a.created for seq, at in restores):
            superseded.append(a)
            continue
        if link is None:
            reason = (f"the live chain ends at entry {last}: entries {last + 1}..{a.seq} "
                      "were removed" if last < a.seq else f"entry {a.seq} is missing")
        else:
            reason = f"entry {a.seq} is not the one the backup recorded (rewritten)"
        broken.append(AnchorProblem(a, reason))
    return AnchorCheck(len(anchors), tuple(broken), tuple(superseded))
