"""The Business Hours check's window, read in the environment's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from release_manager.core.model import BusinessHours
from release_manager.engine.business_hours import (
    closed_reason,
    is_open,
    next_opening,
    window_text,
)

PARIS = ZoneInfo("Europe/Paris")
MONDAY_TUESDAY = BusinessHours(["Monday", "Tuesday"], "09:00", "17:00", "Europe/Paris")


def test_the_window_is_read_in_the_environments_time_zone() -> None:
    # 07:30 UTC on Monday 7 December is 08:30 in Paris: not open yet.
    early = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)
    assert not is_open(MONDAY_TUESDAY, early)
    assert next_opening(MONDAY_TUESDAY, early) == datetime(2026, 12, 7, 9, 0, tzinfo=PARIS)
    assert is_open(MONDAY_TUESDAY, datetime(2026, 12, 7, 8, 30, tzinfo=UTC))
    assert not is_open(MONDAY_TUESDAY, datetime(2026, 12, 8, 16, 0, tzinfo=UTC))  # 17:00


def test_a_closed_window_names_itself_and_the_next_opening() -> None:
    sunday_night = datetime(2026, 12, 6, 23, 30, tzinfo=PARIS)
    reason = closed_reason("staging", MONDAY_TUESDAY, sunday_night)
    assert reason == (
        "staging deploys only during business hours, Monday–Tuesday 09:00–17:00 "
        "(Europe/Paris); it is Sunday 23:30 there now: the next window opens Monday 7 "
        "December 2026 at 09:00 (Europe/Paris)")
    wednesday = datetime(2026, 12, 9, 10, 0, tzinfo=PARIS)
    assert "opens Monday 14 December 2026 at 09:00" in closed_reason(
        "staging", MONDAY_TUESDAY, wednesday)
    assert closed_reason("staging", MONDAY_TUESDAY,
                         datetime(2026, 12, 7, 10, 0, tzinfo=PARIS)) == ""


def test_a_window_past_midnight_and_the_days_it_names() -> None:
    nights = BusinessHours(["Friday"], "22:00", "02:00", "UTC")
    assert is_open(nights, datetime(2026, 12, 11, 23, 0, tzinfo=UTC))  # Friday night
    assert is_open(nights, datetime(2026, 12, 12, 1, 0, tzinfo=UTC))  # into Saturday
    assert not is_open(nights, datetime(2026, 12, 12, 23, 0, tzinfo=UTC))
    assert window_text(BusinessHours(["Friday", "Monday", "Tuesday", "Wednesday"])) == \
        "Monday–Wednesday, Friday 09:00–17:00 (UTC)"


def test_no_day_or_an_unknown_zone_never_opens_and_says_why() -> None:
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert "no day is chosen, so it never opens" in closed_reason(
        "prod", BusinessHours([]), monday)
    assert "'Mars/Olympus' is not a known time zone" in closed_reason(
        "prod", BusinessHours(time_zone="Mars/Olympus"), monday)
