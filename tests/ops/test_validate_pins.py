"""The validation run makes up PINs for its throwaway users; each must pass the PIN policy,
or a case fails by chance (STF-03 once drew a PIN that read as a date, IT-412)."""

from __future__ import annotations

from ireti_till.commands.validation.categories import staff as cases
from ireti_till.domain.staff import Role, check_pin, trivial_reason


def test_made_up_pins_always_pass_the_policy() -> None:
    for _ in range(20_000):
        pin = cases._pin()
        check_pin(pin, Role.ADMIN)
        wrong = cases._wrong(pin)
        assert wrong != pin and len(wrong) == len(pin)


def test_the_policy_does_refuse_the_dates_random_digits_can_make() -> None:
    # the PIN that failed CI's run was of this kind: an 8-digit date
    assert trivial_reason("17041986") == "it looks like a year or a date"
    assert trivial_reason("19860417") == "it looks like a year or a date"
