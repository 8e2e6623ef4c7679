"""Azure schedule cron: strict parsing, a human reading, next run times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from croniter import croniter

from release_manager.core.cron import CronError, describe, next_runs, parse, validate

START = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("cron", "reading"),
    [
        ("0 3 * * 1-5", "At 03:00, Monday through Friday, UTC"),
        ("0 3 * * Mon-Fri", "At 03:00, Monday through Friday, UTC"),
        ("0 9 * * *", "At 09:00, every day, UTC"),
        ("30 2 1 * *", "At 02:30, on the 1st of the month, UTC"),
        ("0 0 * * 0", "At 00:00, on Sunday, UTC"),
        ("0 12 * * mon,wed,fri", "At 12:00, on Monday, Wednesday and Friday, UTC"),
        ("15 10 * * sat,sun", "At 10:15, on Sunday and Saturday, UTC"),
        ("0 22 * * 1-3,5", "At 22:00, on Monday through Wednesday and Friday, UTC"),
        ("0 9,17 * * *", "At 09:00 and 17:00, every day, UTC"),
        ("0 0 1 1,7 *", "At 00:00, on the 1st of the month, in January and July, UTC"),
        ("0 3 * jan-mar *", "At 03:00, in January through March, UTC"),
        ("0 3 22 DEC *", "At 03:00, on the 22nd of the month, in December, UTC"),
        ("0 0 13 * 5", "At 00:00, on the 13th of the month or on Friday, UTC"),
        ("0 3 */2 * *", "At 03:00, every 2nd day of the month, UTC"),
        ("*/15 * * * *", "Every 15 minutes, UTC"),
        ("5/15 * * * *", "Every 15 minutes starting at minute 5, UTC"),
        ("10-40/10 * * * *", "Every 10 minutes from minute 10 through minute 40, UTC"),
        ("* * * * *", "Every minute, UTC"),
        ("0 */2 * * *", "At minute 0, every 2 hours, UTC"),
        ("0 1-5/2 * * *", "At minute 0, every 2 hours from 01:00 through 05:00, UTC"),
        ("*/10 9-17 * * 1-5",
         "Every 10 minutes, between 09:00 and 17:59, Monday through Friday, UTC"),
        ("0,30 8-18 * * *", "At minutes 0 and 30, between 08:00 and 18:59, UTC"),
        ("5 * * * *", "At minute 5 of every hour, UTC"),
        ("*/30 1,20 * * *", "Every 30 minutes, during 01:00-01:59 and 20:00-20:59, UTC"),
    ],
)
def test_describe_reads_the_schedule(cron: str, reading: str) -> None:
    assert describe(cron) == reading


@pytest.mark.parametrize(
    "cron",
    [
        "0 3 * * 1-5", "*/15 * * * *", "0 0 13 * 5", "5/15 * * * *", "0 22 * * 1-3,5",
        "0 3 */2 * *", "0 0 1 1,7 *", "0 12 * * mon,wed,fri", "10-40/10 1-5/2 * * *",
    ],
)
def test_next_runs_match_croniter(cron: str) -> None:
    runs = next_runs(cron, 5, after=START)
    iterator = croniter(cron, START)
    assert runs == [iterator.get_next(datetime) for _ in range(5)]
    assert all(run.tzinfo is not None and run.utcoffset() == timedelta(0) for run in runs)
    assert runs == sorted(runs) and runs[0] > START


def test_next_runs_of_weekday_schedule() -> None:
    runs = next_runs("0 3 * * 1-5", 5, after=START)
    assert [run.strftime("%a %d %H:%M") for run in runs] == [
        "Thu 05 03:00", "Fri 06 03:00", "Mon 09 03:00", "Tue 10 03:00", "Wed 11 03:00",
    ]


def test_next_runs_naive_and_other_zones_are_utc() -> None:
    naive = next_runs("0 3 * * *", 1, after=datetime(2026, 3, 4, 10, 30))
    assert naive == [datetime(2026, 3, 5, 3, 0, tzinfo=UTC)]
    plus_two = timezone(timedelta(hours=2))
    # 02:30 at UTC+2 is 00:30 UTC: the 03:00 UTC run that same day comes next.
    zoned = next_runs("0 3 * * *", 1, after=datetime(2026, 3, 4, 2, 30, tzinfo=plus_two))
    assert zoned == [datetime(2026, 3, 4, 3, 0, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("cron", "column", "words"),
    [
        ("0 3 * *", 7, "5 fields"),
        ("0 3 * * * *", 11, "5 fields"),
        ("", 1, "5 fields"),
        ("61 3 * * *", 1, "minute 61 is out of range 0-59"),
        ("0 24 * * *", 3, "hour 24 is out of range 0-23"),
        ("0 3 0 * *", 5, "day of month 0 is out of range 1-31"),
        ("0 3 * 13 *", 7, "month 13 is out of range 1-12"),
        ("0 3 * * 7", 9, "day of week 7 is out of range 0-6"),
        ("0 3 * * Mun", 9, "'Mun' is not a valid day of week"),
        ("0 3 * * 1-", 11, "a value is missing in the day of week field"),
        ("0 3 * * 5-1", 9, "runs backwards"),
        ("*/0 3 * * *", 3, "must be a whole number above 0"),
        ("0 3,,4 * * *", 5, "empty item in the hour field"),
        ("0 3 L * *", 5, "'L' is not a valid day of month"),
        ("0 3 ? * *", 5, "'?' is not a valid day of month"),
    ],
)
def test_invalid_cron_names_field_and_column(cron: str, column: int, words: str) -> None:
    with pytest.raises(CronError) as caught:
        parse(cron)
    assert words in caught.value.message
    assert caught.value.column == column
    assert validate(cron) == f"Column {column}: {caught.value.message}"
    with pytest.raises(CronError):
        next_runs(cron)


def test_valid_cron_has_no_message() -> None:
    assert validate("0 9 * * *") is None
