"""The contract and emulator fixtures for this directory (see tests/fixtures/emulator.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures.emulator import *  # noqa: F403
