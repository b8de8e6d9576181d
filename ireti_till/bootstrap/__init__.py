"""Pieces of the composition root (``ireti_till.app``), one concern per module.

Each ``wire_*`` function builds adapter-backed services and hands them to the UI as
services or plain callables, so ``app.py`` stays short and the UI never imports adapters.
"""
