"""Printing through python-escpos to the TCP 9100 printer emulator: durable jobs, retries,
order, paper out and power off mid-job, drawer kicks (and stale ones dropped), reprint COPY."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from trading_day_support import Clock, sale

from ireti_till.adapters.db.ledger import Ledger, open_ledger
from ireti_till.adapters.printers.escpos_printer import EscposPrinter, PrinterConfig
from ireti_till.domain.errors import InputError, NotFoundError
from ireti_till.services.printing import PrintQueue
from tests.fixtures.escpos_printer import EscposPrinterEmulator

LOGO = Path(__file__).parents[2] / "resources" / "logo.png"


@pytest.fixture
def ledger(data_dir: Path) -> Iterator[Ledger]:
    opened = open_ledger(data_dir)
    yield opened
    opened.close()


@pytest.fixture
def printer() -> Iterator[EscposPrinterEmulator]:
    with EscposPrinterEmulator() as emulator:
        yield emulator


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_queue(ledger: Ledger, printer: EscposPrinterEmulator, clock: Clock,
               paper_mm: int = 80) -> PrintQueue:
    config = PrinterConfig(kind="network", host="127.0.0.1", port=printer.port, timeout=2.0,
                           paper_mm=paper_mm, logo=LOGO)
    return PrintQueue(ledger.uow_factory, clock, EscposPrinter(config), till_id="T01",
                      store="Ireti Corner Shop", address=("12 Market Street",),
                      footer="Thank you", width=config.width)


def stored_sale(ledger: Ledger, total: int = 1250, **kw: object) -> object:
    with ledger.uow_factory() as u:
        s = u.sales.add(sale(total, cash=total, tendered=2000, **kw))  # type: ignore[arg-type]
        u.commit()
    return s


def test_a_receipt_prints_with_barcode_logo_cut_and_kick(
        ledger: Ledger, printer: EscposPrinterEmulator, clock: Clock) -> None:
    queue = make_queue(ledger, printer, clock)
    s = stored_sale(ledger)
    job = queue.receipt(s, kick=True)  # type: ignore[arg-type]
    assert job.state == "pending"
    assert queue.run_once() == 1
    [printed] = printer.wait_printed(1)
    assert printed.barcodes == ["{BT01-000001"]
    assert printed.cuts == 1 and printed.drawer_pulses == 1 and printed.images == 1
    assert "Ireti Corner Shop" in printed.text and "T01-000001" in printed.text
    assert "€12.50" in printed.text and "Change" in printed.text
    # double height for the shop's name and the total only (python-escpos keeps it on
    # unless the size is reset: every later line would have been twice as tall)
    assert {line.text.split()[0] for line in printed.lines if line.big} == {"Ireti", "TOTAL"}
    assert queue.jobs()[0].state == "printed"


def test_58mm_lines_fit_32_columns(ledger: Ledger, printer: EscposPrinterEmulator,
                                   clock: Clock) -> None:
    queue = make_queue(ledger, printer, clock, paper_mm=58)
    queue.receipt(stored_sale(ledger))  # type: ignore[arg-type]
    queue.run_once()
    [printed] = printer.wait_printed(1)
    assert max(len(line.text) for line in printed.lines) <= 32


def test_printer_off_keeps_jobs_in_order_and_prints_them_when_it_returns(
        ledger: Ledger, printer: EscposPrinterEmulator, clock: Clock) -> None:
    queue = make_queue(ledger, printer, clock)
    printer.power(False)
    first = queue.receipt(stored_sale(ledger, 100))  # type: ignore[arg-type]
    second = queue.receipt(stored_sale(ledger, 200))  # type: ignore[arg-type]
    assert queue.run_once() == 0
    jobs = {j.job_id: j for j in queue.jobs()}
    assert jobs[first.job_id].state == "failed" and jobs[first.job_id].attempts == 1
    assert "IT-620" in (jobs[first.job_id].last_error or "")
    assert jobs[second.job_id].state == "pending"  # not tried out of order
    printer.power(True)
    assert queue.run_once() == 2
    assert [j.barcodes for j in printer.wait_printed(2)] == [["{BT01-000001"], ["{BT01-000002"]]


def test_a_job_survives_a_restart(data_dir: Path, printer: EscposPrinterEmulator,
                                  clock: Clock) -> None:
    ledger = open_ledger(data_dir)
    printer.power(False)
    make_queue(ledger, printer, clock).receipt(stored_sale(ledger))  # type: ignore[arg-type]
    ledger.close()
    printer.power(True)
    reopened = open_ledger(data_dir)
    try:
        assert make_queue(reopened, printer, clock).run_once() == 1
    finally:
        reopened.close()
    assert len(printer.wait_printed(1)) == 1


def test_paper_out_mid_job_fails_it_and_reprints_it_whole(
        ledger: Ledger, printer: EscposPrinterEmulator, clock: Clock) -> None:
    queue = make_queue(ledger, printer, clock)
    job = queue.receipt(stored_sale(ledger))  # type: ignore[arg-type]
    printer.paper_out_after = 200
    assert queue.run_once() == 0
    failed = queue.jobs()[0]
    assert failed.state == "failed" and "IT-621" in (failed.last_error or "")
    assert printer.jobs[-1].lost_bytes > 0
    assert queue.status().label == "paper out"
    printer.paper = True
    assert queue.run_once() == 1
    assert printer.wait_printed(1)[-1].barcodes == ["{BT01-000001"]
    assert queue.jobs()[0].job_id == job.job_id and queue.jobs()[0].attempts == 2


def test_power_off_mid_job_fails_it_with_its_code(ledger: Ledger,
                                                  printer: EscposPrinterEmulator,
                                                  clock: Clock) -> None:
    queue = make_queue(ledger, printer, clock)
    queue.receipt(stored_sale(ledger))  # type: ignore[arg-type]
    printer.off_after = 150
    assert queue.run_once() == 0
    assert "IT-620" in (queue.jobs()[0].last_error or "")
    printer.power(True)
    assert queue.run_once() == 1


def test_cover_open_is_reported(ledger: Ledger, printer: EscposPrinterEmulator,
                                clock: Clock) -> None:
    queue = make_queue(ledger, printer, clock)
    printer.cover_open = True
    assert queue.status().label == "cover open"
    queue.test_print()
    queue.run_once()
    assert "IT-622" in (queue.jobs()[0].last_error or "")


def test_a_stale_drawer_kick_is_dropped_not_sent(ledger: Ledger,
                                                 printer: EscposPrinterEmulator,
                                                 clock: Clock) -> None:
    queue = make_queue(ledger, printer, clock)
    printer.power(False)
    queue.kick("no_sale")
    queue.run_once()
    clock.current += timedelta(seconds=13)
    printer.power(True)
    queue.run_once()
    assert queue.jobs()[0].state == "dropped"
    assert printer.printed_jobs() == []
    queue.kick("paid_out")
    assert queue.run_once() == 1
    [kicked] = printer.wait_printed(1)
    assert kicked.drawer_pulses == 1 and kicked.cuts == 0


def test_reprint_by_number_is_marked_copy(ledger: Ledger, printer: EscposPrinterEmulator,
                                          clock: Clock) -> None:
    queue = make_queue(ledger, printer, clock)
    stored_sale(ledger, 100)
    stored_sale(ledger, 200)
    job = queue.reprint("2", "ada")
    assert job.copy and job.ref == "T01-000002"
    queue.run_once()
    assert "*** COPY ***" in printer.wait_printed(1)[0].text
    with pytest.raises(NotFoundError) as missing:
        queue.reprint("T01-000099", "ada")
    assert missing.value.code == "IT-624"
    with pytest.raises(InputError):
        queue.reprint("twelve", "ada")


def test_a_printer_address_that_does_not_answer_is_reported(ledger: Ledger,
                                                            clock: Clock) -> None:
    with EscposPrinterEmulator() as gone:
        port = gone.port
    config = PrinterConfig(kind="network", host="127.0.0.1", port=port, timeout=1.0)
    status = EscposPrinter(config).status()
    assert not status.online and "IT-620" not in status.label
    assert "does not answer" in status.detail


def test_a_cash_refund_slip_prints_and_opens_the_drawer(ledger: Ledger,
                                                        printer: EscposPrinterEmulator,
                                                        clock: Clock) -> None:
    queue = make_queue(ledger, printer, clock, paper_mm=58)
    queue.refund("T01-R000001", "T01-000004", "€3.20", ["Cash from the drawer  €3.20"],
                 cash=True)
    assert queue.run_once() == 1
    [slip] = printer.wait_printed(1)
    assert slip.drawer_pulses == 1 and slip.cuts == 1
    assert "REFUND" in slip.text and "For receipt T01-000004" in slip.text
    assert max(len(line.text) for line in slip.lines) <= 32


def test_a_serial_printer_prints_the_same_receipt(ledger: Ledger, clock: Clock) -> None:
    from tests.fixtures.escpos_printer import SerialPrinterEmulator

    with SerialPrinterEmulator() as serial_printer:
        config = PrinterConfig(kind="serial", serial_device=serial_printer.device,
                               baudrate=19200, timeout=2.0, paper_mm=58)
        queue = PrintQueue(ledger.uow_factory, clock, EscposPrinter(config), till_id="T01",
                           store="Ireti Corner Shop", width=config.width)
        queue.receipt(stored_sale(ledger), kick=True)  # type: ignore[arg-type]
        assert queue.run_once() == 1
        assert serial_printer.wait_cuts(1)
        job = serial_printer.job
    assert job.barcodes == ["{BT01-000001"] and job.drawer_pulses == 1
    assert "Ireti Corner Shop" in job.text and job.status_queries == 6


def test_a_usb_printer_that_is_not_there_is_reported_not_raised(ledger: Ledger,
                                                                clock: Clock) -> None:
    config = PrinterConfig(kind="usb", usb_vendor=0x04B8, usb_product=0x0202)
    printer = EscposPrinter(config)
    assert not printer.status().online
    queue = PrintQueue(ledger.uow_factory, clock, printer, till_id="T01", store="Shop")
    queue.test_print()
    assert queue.run_once() == 0
    assert "IT-620" in (queue.jobs()[0].last_error or "")
    assert "USB 04b8:0202" in (queue.jobs()[0].last_error or "")
