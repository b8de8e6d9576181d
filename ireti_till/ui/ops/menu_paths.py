"""The menu paths the docs may name, and the module that builds each (a test checks both).

``tests/ops/test_docs_truth.py`` reads every "Menu > Item" written in bold or quotes in
``docs/*.md`` and fails if it is not listed here, and checks that each listed module really
contains the menu title and the action text. To add a menu item: add one line here in the
same commit that builds it. No Qt import: the docs test reads this without a display.
"""

from __future__ import annotations

from typing import Final

#: "Menu > Item" exactly as the docs write it -> the module that builds the action
MENU_PATHS: Final[dict[str, str]] = {
    "Till > Import catalog…": "ireti_till/ui/main_window.py",
    "Till > Quit": "ireti_till/ui/main_window.py",
    "Till > Lock till": "ireti_till/ui/staff/attach.py",
    "Till > Sign out": "ireti_till/ui/staff/attach.py",
    "Till > No sale (open drawer)…": "ireti_till/ui/staff/attach.py",
    "Staff > Users…": "ireti_till/ui/staff/attach.py",
    "Staff > Audit log…": "ireti_till/ui/staff/attach.py",
    "Staff > Card reader…": "ireti_till/ui/card_tender.py",
    "View > Payment queue": "ireti_till/ui/card_tender.py",
    "View > Payment metrics": "ireti_till/ui/ops/menu.py",
    "View > Alerts…": "ireti_till/ui/ops/menu.py",
    "Help > Till health…": "ireti_till/ui/ops/menu.py",
    "Help > Support bundle…": "ireti_till/ui/ops/menu.py",
    "Shift > Open shift…": "ireti_till/ui/shift/menu.py",
    "Shift > Paid in…": "ireti_till/ui/shift/menu.py",
    "Shift > Paid out…": "ireti_till/ui/shift/menu.py",
    "Shift > X report": "ireti_till/ui/shift/menu.py",
    "Shift > Close shift…": "ireti_till/ui/shift/menu.py",
    "Shift > Reprint receipt…": "ireti_till/ui/shift/menu.py",
    "Admin > Printer…": "ireti_till/ui/shift/menu.py",
}

MENUS: Final = ("Till", "Shift", "Staff", "View", "Admin", "Help")
