"""Child process for the till-crash test: syncs the ledger in DATA_DIR until killed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ireti_till.adapters import backoffice_wiring as wiring
from ireti_till.adapters.db.ledger import open_ledger
from tests.backoffice.conftest import Secrets

ledger = open_ledger(Path(os.environ["DATA_DIR"]))
secrets = Secrets()
secrets.set(wiring.TOKEN_NAME, os.environ["TOKEN"])
sync, _factory = wiring.make_sync(ledger.engine, secrets, base_backoff_s=0, batch_size=10)
print("ready", flush=True)
while sync.status().waiting:
    sync.run_once(force=True)
print("done", flush=True)
