"""The back office's event stream in the running till (issue 15).

Only a till enrolled with a back office (``ireti-till backoffice enrol``: the address in the
ledger, the token in the OS keyring) follows the stream; otherwise nothing starts and card
payments poll Stripe on the polite ``PollSchedule``. Called from the payments phase on its
helper thread, once the payments core exists (``composition.payments``):

    stream = start_stream(ledger.engine, data_dir, training, core, signals.queue.emit)
    SyncWorker(core, signals, card_pause=stream.pause if stream else None)
    # runtime.close() -> stream.stop()

- the card flow waits on the stream's notice for its reader (``ReaderPause``), falling back
  to polling whenever the stream is down;
- a ``RefundNotice`` (stream thread) goes to ``EventsSweep.refund_notice``, which reads the
  refund from Stripe and, if it failed after acceptance, fails its refund leg; the queue
  panel is then told at once (``publish``: a Qt signal emit, thread-safe).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ireti_till.adapters.backoffice_stream import BackofficeStream, NoticeBoard, ReaderPause
    from ireti_till.adapters.backoffice_wiring import Secrets
    from ireti_till.domain.stream_notices import RefundNotice
    from ireti_till.services.payments_core import PaymentsCore

log = logging.getLogger("ireti_till.app")


@dataclass(frozen=True)
class StreamWiring:
    board: NoticeBoard
    stream: BackofficeStream
    pause: ReaderPause

    def stop(self) -> None:
        self.stream.stop()


def enrolled(engine: Engine, secrets: Secrets) -> bool:
    from ireti_till.adapters.backoffice_feed import SqlFeedStore
    from ireti_till.adapters.backoffice_wiring import TOKEN_NAME

    return bool(SqlFeedStore(engine).get_state("url")) and bool(secrets.get(TOKEN_NAME))


def refund_hook(core: PaymentsCore, publish: Callable[[object], None] | None
                ) -> Callable[[RefundNotice], None]:
    """The board's refund hook: failed refunds reach the refund leg and the queue panel."""

    def on_refund(notice: RefundNotice) -> None:
        if not notice.failed:
            return
        if core.sweep.refund_notice(notice) and publish is not None:
            publish(core.queue_summary())

    return on_refund


def start_stream(engine: Engine, data_dir: Path, training: bool, core: PaymentsCore,
                 publish: Callable[[object], None] | None = None, *,
                 secrets: Secrets | None = None) -> StreamWiring | None:
    """Follow the back office's stream if this till is enrolled; else None (nothing runs).
    Never raises: without the stream the till polls, as it does when the server is away."""
    from ireti_till.adapters.backoffice_stream import NoticeBoard, ReaderPause, stream_for

    try:
        if secrets is None:
            from ireti_till.adapters.secrets import SecretStore

            secrets = SecretStore(data_dir, training=training)
        if not enrolled(engine, secrets):
            return None
    except Exception:  # no keyring, damaged state: poll, and say why in the log
        log.exception("back-office stream not started; card payments poll Stripe")
        return None
    board = NoticeBoard()
    board.refund_hooks.append(refund_hook(core, publish))
    stream = stream_for(engine, secrets, board, reader_id=core.readers.current_reader)
    stream.start()
    log.info("back-office stream started")
    return StreamWiring(board, stream, ReaderPause(board))
