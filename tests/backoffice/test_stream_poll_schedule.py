"""The reader-polling policy (pure): growing waits, jitter within bounds, 429 backoff, and
waiting on the stream's notice when connected."""

from __future__ import annotations

import pytest

from ireti_till.domain.poll_schedule import TODAY, PollSchedule


def test_the_wait_grows_while_the_reader_waits_and_stays_capped() -> None:
    p = PollSchedule()
    waits = [p.delay(n) for n in range(6)]
    assert waits[0] == 0.5 and waits == sorted(waits) and max(waits) == 2.0


def test_jitter_spreads_within_its_fraction() -> None:
    p = PollSchedule(jitter=0.2)
    assert p.delay(0, rand=0.0) == pytest.approx(0.4)
    assert p.delay(0, rand=0.999999) == pytest.approx(0.6, abs=1e-5)


def test_429s_in_a_row_back_off_doubling_to_a_cap() -> None:
    p = PollSchedule(jitter=0.0)
    assert [p.delay(0, rate_limited=n) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 8.0, 8.0]


def test_with_the_stream_the_till_waits_for_the_notice_unless_rate_limited() -> None:
    p = PollSchedule(jitter=0.0)
    assert p.delay(3, streaming=True) == 5.0
    assert p.delay(0, streaming=True, rate_limited=1) == 1.0


def test_a_three_second_customer_costs_fewer_looks_than_today() -> None:
    assert TODAY.looks_within(3.0) == 6
    assert PollSchedule().looks_within(3.0) == 4  # at 0.5, 1.25, 2.4 and 4.1 s


def test_an_inconsistent_schedule_is_refused() -> None:
    with pytest.raises(ValueError):
        PollSchedule(first_s=3.0, max_s=2.0)
