"""Dialogs of the sale screen. Each is opened with ``open()`` (window-modal, no nested
event loop) and reports through ``finished``; the screen then gives focus back to the
scan field."""
