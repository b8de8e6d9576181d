"""The contract and emulator fixtures for this directory (see tests/fixtures/emulator.py)."""

from tests.fixtures.emulator import *  # noqa: F403
