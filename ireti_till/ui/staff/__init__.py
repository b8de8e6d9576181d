"""Staff screens: sign-in/lock, supervisor PIN dialog, users admin, audit viewer, idle lock.

Public API (see each module's docstring for wiring):

- ``SignInScreen(staff_service)`` - signal ``signed_in(StaffMember)``; ``lock(member)``.
- ``StaffSession(staff_service, make_sale_service)`` - parks a basket per cashier.
- ``IdleWatcher(minutes)`` - install as an application event filter; ``idle_timeout``.
- ``OverridePrompt(Deferred[OverrideService], current_user).ask(parent, kind, amount,
  reason, sale_id, then, cancelled)`` (and ``ask_refund``) opens the PIN dialog with
  ``open()`` and calls back; nothing in the staff screens runs a nested event loop.
- ``UsersScreen(staff_service, actor)`` and ``AuditViewer(audit_log, staff_service, actor)``.
"""

from ireti_till.ui.staff.audit_viewer import AuditViewer
from ireti_till.ui.staff.idle import IdleWatcher
from ireti_till.ui.staff.override_dialog import OverrideDialog, OverridePrompt
from ireti_till.ui.staff.pin_pad import PinPad
from ireti_till.ui.staff.session import StaffSession
from ireti_till.ui.staff.sign_in import SignInScreen
from ireti_till.ui.staff.users_screen import UsersScreen

__all__ = [
    "AuditViewer",
    "IdleWatcher",
    "OverrideDialog",
    "OverridePrompt",
    "PinPad",
    "SignInScreen",
    "StaffSession",
    "UsersScreen",
]
