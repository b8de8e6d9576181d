"""The printer in ``doctor`` and the status bar: one ``CheckResult`` from what the printer
reports (offline, paper out, cover open) and the jobs still waiting.

``printer_check(queue.status(), waiting)`` on the worker thread (it asks the device); the
status bar shows ``result.summary``. The lead adds it to ``services/health.run_checks``.
"""

from __future__ import annotations

from ireti_till.domain.print_doc import PrinterStatus
from ireti_till.services.health import CheckResult, Status
from ireti_till.services.printing_ports import PrintJob

ANCHOR = "shifts-cash-printing-reports-and-reconciliation-it-6xx"


def waiting_jobs(jobs: list[PrintJob]) -> list[PrintJob]:
    return [j for j in jobs if j.state in ("pending", "failed") and j.kind != "drawer"]


def printer_check(status: PrinterStatus, waiting: list[PrintJob],
                  configured: bool = True) -> CheckResult:
    if not configured:
        return CheckResult("printer", Status.OK, "no receipt printer set up (receipts on "
                           "screen and by email only)")
    queued = f"; {len(waiting)} job(s) waiting" if waiting else ""
    drawer = "" if status.drawer_open is None else (
        "; drawer open" if status.drawer_open else "; drawer closed")
    label = status.label
    if label == "ready":
        level = Status.WARN if waiting else Status.OK
        fix = "jobs will print on the next round; check the job list if they stay" if (
            waiting) else ""
        return CheckResult("printer", level, f"printer ready{drawer}{queued}", fix, ANCHOR)
    fixes = {"offline": ("check power, cable and address; test print in Printer settings",
                         "IT-620"),
             "paper out": ("load a paper roll", "IT-621"),
             "cover open": ("close the printer's cover", "IT-622"),
             "paper low": ("have a paper roll ready", "IT-621")}
    fix, code = fixes.get(label, ("check the printer", "IT-620"))
    level = Status.WARN if label == "paper low" and not waiting else Status.FAIL
    return CheckResult("printer", level, f"printer {label} ({code}){drawer}{queued}", fix,
                       ANCHOR)
