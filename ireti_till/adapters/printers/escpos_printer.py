"""ESC/POS receipt printers through ``python-escpos``: network (TCP 9100), USB and serial.

One job = one connection: check the printer's status where it reports it (``DLE EOT``:
online, cover, paper), kick the drawer first when asked (the customer waits for change, not
for the paper), print the document, cut, then ask about the paper again: a printer that ran
out part-way keeps the job queued, so it prints whole once paper is back. ESC/POS cannot
confirm the paper came out, so "printed" means every byte was sent to a printer that
reported paper before and after.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ireti_till.domain.print_doc import WIDTHS, Op, PrinterError, PrinterStatus

log = logging.getLogger(__name__)

ONLINE_QUERY: Final = b"\x10\x04\x01"
CAUSE_QUERY: Final = b"\x10\x04\x02"
PAPER_QUERY: Final = b"\x10\x04\x04"
KINDS: Final = ("network", "usb", "serial", "virtual", "none")


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    kind: str = "none"  # network | usb | serial | virtual | none
    host: str = ""
    port: int = 9100
    usb_vendor: int = 0
    usb_product: int = 0
    serial_device: str = ""
    baudrate: int = 19200
    paper_mm: int = 80
    timeout: float = 3.0
    profile: str = "TM-T88V"
    logo: Path | None = None
    status_queries: bool = True  # ask DLE EOT before/after a job (not all printers answer)

    @property
    def width(self) -> int:
        return WIDTHS.get(self.paper_mm, 42)

    @property
    def address(self) -> str:
        if self.kind == "network":
            return f"{self.host}:{self.port}"
        if self.kind == "usb":
            return f"USB {self.usb_vendor:04x}:{self.usb_product:04x}"
        return self.serial_device or self.kind


def _open(config: PrinterConfig) -> Any:
    from escpos import printer

    if config.kind == "network":
        device: Any = printer.Network(config.host, config.port, timeout=config.timeout,
                                      profile=config.profile)
    elif config.kind == "usb":
        device = printer.Usb(config.usb_vendor, config.usb_product, timeout=0,
                             profile=config.profile)
    elif config.kind == "serial":
        device = printer.Serial(config.serial_device, baudrate=config.baudrate,
                                timeout=config.timeout, profile=config.profile)
    else:
        raise PrinterError("No receipt printer is set up: choose one in Printer settings",
                           code="IT-623")
    try:
        device.open()
    except Exception as exc:  # DeviceNotFoundError, OSError, USBError...
        raise PrinterError(
            f"The printer at {config.address} does not answer: check that it is on and "
            "connected. The job stays queued and prints when it is back.", code="IT-620",
        ) from exc
    return device


def _byte(device: Any, query: bytes, serial_line: bool = False) -> int | None:
    try:
        if serial_line:  # python-escpos waits for 16 bytes (a whole timeout) on serial
            device._raw(query)
            answer = device.device.read(1)
        else:
            answer = device.query_status(query)
    except Exception:  # noqa: BLE001 - a printer that does not answer status queries
        return None
    return answer[0] if answer else None


class EscposPrinter:
    """The ``PrinterPort`` of a real ESC/POS printer."""

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config

    def status(self) -> PrinterStatus:
        try:
            device = _open(self.config)
        except PrinterError as exc:
            return PrinterStatus(online=False, detail=exc.message)
        try:
            return self._status(device)
        finally:
            device.close()

    def _status(self, device: Any) -> PrinterStatus:
        if not self.config.status_queries:
            return PrinterStatus(online=True)
        serial_line = self.config.kind == "serial"
        online, cause, paper = (_byte(device, q, serial_line)
                                for q in (ONLINE_QUERY, CAUSE_QUERY, PAPER_QUERY))
        if paper is None:
            paper_state = None
        elif paper & 0x60 == 0x60:
            paper_state = "out"
        elif paper & 0x0C == 0x0C:
            paper_state = "low"
        else:
            paper_state = "ok"
        return PrinterStatus(
            online=online is None or not online & 0x08,
            paper=paper_state,
            cover_open=None if cause is None else bool(cause & 0x04),
            drawer_open=None if online is None else bool(online & 0x04),
        )

    def _check(self, device: Any, before: PrinterStatus | None = None) -> PrinterStatus:
        st = self._status(device)
        if before is not None and before.paper is not None and st.paper is None:
            raise PrinterError(f"The printer at {self.config.address} stopped answering "
                               "during the job. The job stays queued.", code="IT-620")
        if st.cover_open:
            raise PrinterError("The printer's cover is open: close it. The job stays queued.",
                               code="IT-622")
        if st.paper == "out":
            raise PrinterError("The printer is out of paper: load a roll. The job stays "
                               "queued and prints when paper is back.", code="IT-621")
        if not st.online:
            raise PrinterError("The printer reports it is offline: check it. The job stays "
                               "queued.", code="IT-620")
        return st

    def print(self, ops: list[Op], *, kick: bool = False, cut: bool = True) -> None:
        device = _open(self.config)
        try:
            before = self._check(device) if ops else None  # a kick alone needs no paper
            if kick:
                device.cashdraw(2)
            for op in ops:
                self._op(device, op)
            if cut:
                device.cut()
            if before is not None:
                self._check(device, before)
        except PrinterError:
            raise
        except Exception as exc:  # socket reset, USB unplugged, serial error mid-job
            raise PrinterError(f"The printer at {self.config.address} stopped answering "
                               f"mid-job ({type(exc).__name__}). The job stays queued.",
                               code="IT-620") from exc
        finally:
            try:
                device.close()
            except Exception:
                log.debug("closing the printer failed", exc_info=True)

    def _op(self, device: Any, op: Op) -> None:
        kind = op["t"]
        if kind == "text":
            size = {"double_height": True} if op.get("big") else {"normal_textsize": True}
            # python-escpos leaves double height on unless normal size is asked for again
            device.set(align=op.get("align", "left"), bold=op.get("bold", False), **size)
            device.text(op["s"] + "\n")
        elif kind == "barcode":
            device.set(align="center")
            device.barcode("{B" + op["data"], "CODE128", function_type="B", height=64,
                           width=2, pos="BELOW", font="A")
        elif kind == "logo" and self.config.logo is not None and self.config.logo.exists():
            device.image(str(self.config.logo), center=True)
        elif kind == "feed":
            device.ln(int(op.get("n", 1)))

    def kick(self) -> None:
        """Open the drawer only (no paper used)."""
        self.print([], kick=True, cut=False)
