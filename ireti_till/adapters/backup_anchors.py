"""The audit heads recorded in backup sidecars (``<backup>.json``), for ``audit verify``.

``adapters/backup.py`` writes, for every backup, ``audit_head`` (the copy's last audit entry
as ``[seq, link]``) and ``anchor`` (the anchor saved beside the ledger at that moment). The
copy's own head is the better witness (it is what the backup holds); older sidecars without
it fall back to the anchor. A sidecar that cannot be read, or records neither, gives none;
a sidecar whose backup file was rotated away or deleted still counts (its head is still a
point the chain passed).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from ireti_till.adapters.backup import _STAMP, PREFIX, SUFFIX
from ireti_till.services.audit_anchors import BackupAnchor

log = logging.getLogger(__name__)


def _pair(value: object) -> tuple[int, str] | None:
    if (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)
            and not isinstance(value[0], bool) and value[0] > 0 and isinstance(value[1], str)
            and value[1]):
        return value[0], value[1]
    return None


def sidecar_anchors(backup_dir: Path) -> list[BackupAnchor]:
    """Every backup's recorded audit head found in ``backup_dir``, oldest backup first."""
    out: list[BackupAnchor] = []
    if not backup_dir.is_dir():
        return out
    for sidecar in sorted(backup_dir.glob(f"{PREFIX}*{SUFFIX}.json")):
        name = sidecar.name[:-len(".json")]
        try:
            created = datetime.strptime(name[len(PREFIX):-len(SUFFIX)], _STAMP
                                        ).replace(tzinfo=UTC)
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("backup sidecar %s not read for its audit anchor: %s", sidecar.name,
                        exc)
            continue
        if not isinstance(meta, dict):
            continue
        head = _pair(meta.get("audit_head")) or _pair(meta.get("anchor"))
        if head is not None:
            out.append(BackupAnchor(name, created, head[0], head[1]))
    return out
