"""The till's error catalogue.

Every error a person can see carries a stable code (``IT-<area><n>``) that
``docs/troubleshooting.md`` explains, and a message written for the person in front of the
screen: what happened and what to do next. Areas:

- ``IT-1xx`` input: barcodes, quantities, amounts, names
- ``IT-2xx`` ledger, configuration, data directory
- ``IT-3xx`` card payments, Stripe, readers
- ``IT-4xx`` staff, PINs, overrides, refunds, audit
- ``IT-5xx`` operations: backups, bundles, health
- ``IT-6xx`` the trading day: shifts, cash, printing, drawer, reports, reconciliation
- ``IT-7xx`` back office and sync (server, enrolment, feed, catalog, cross-till refunds)

Modules raise ``TillError`` subclasses; the UI shows ``str(error)``, which includes the code.
"""

from __future__ import annotations


class TillError(Exception):
    """An error with a stable code and a message a cashier can act on."""

    code: str = "IT-000"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} ({self.code})"


class InputError(TillError):
    """Something typed or scanned could not be used. Nothing was changed."""

    code = "IT-100"


class NotFoundError(TillError):
    """A product, sale or record that was asked for does not exist."""

    code = "IT-110"


class LedgerError(TillError):
    """The local database or the data directory cannot be used."""

    code = "IT-200"


class ConfigError(TillError):
    """The configuration file is invalid; the till will not guess."""

    code = "IT-210"


class PaymentError(TillError):
    """A card payment, a reader or Stripe could not do what was asked."""

    code = "IT-300"


class AuthorisationError(TillError):
    """A PIN, a role or a rule does not allow this action."""

    code = "IT-400"


class OperationsError(TillError):
    """A backup, export, bundle or health check failed."""

    code = "IT-500"


class BackofficeError(TillError):
    """The back-office server or the sync with it could not do what was asked."""

    code = "IT-700"
