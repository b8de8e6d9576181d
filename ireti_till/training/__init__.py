"""Training mode's Stripe: a loopback emulator of the Stripe API the till uses.

PaymentIntents, Refunds, Terminal Locations and Readers (with the reader action state
machine and the ``present_payment_method`` test helper) and Events, with Stripe's
idempotency rules, a rate limit and seeded fault injection. It stands alone: nothing here
imports the rest of the till (import-linter checks that). See docs/emulator.md.
"""

from ireti_till.training.cards import OUTCOMES
from ireti_till.training.clock import Clock
from ireti_till.training.faults import FaultInjector, FaultPlan
from ireti_till.training.server import DEFAULT_API_KEY, Emulator, EmulatorConfig

__all__ = ["DEFAULT_API_KEY", "OUTCOMES", "Clock", "Emulator", "EmulatorConfig",
           "FaultInjector", "FaultPlan"]
