"""Azure's Business Hours check, enforced here: an environment with business hours is
deployed to only inside its window, read in the environment's own time zone.

Azure's check waits until the window opens. The local engine has no service that would
wake up then, so it refuses instead, naming the window and when it next opens.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from release_manager.core.environments_file import WEEKDAYS
from release_manager.core.model import BusinessHours


def _time(text: str) -> time:
    hour, _, minute = text.partition(":")
    return time(int(hour), int(minute))


def _zone(hours: BusinessHours) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(hours.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _days_text(days: list[str]) -> str:
    """["Monday", "Tuesday", "Wednesday", "Friday"] → "Monday–Wednesday, Friday"."""
    indexes = sorted(WEEKDAYS.index(day) for day in set(days))
    runs: list[list[int]] = []
    for index in indexes:
        if runs and index == runs[-1][-1] + 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return ", ".join(
        WEEKDAYS[run[0]] if len(run) == 1 else f"{WEEKDAYS[run[0]]}–{WEEKDAYS[run[-1]]}"
        for run in runs
    )


def window_text(hours: BusinessHours) -> str:
    """"Monday–Friday 09:00–17:00 (Europe/Paris)"."""
    days = _days_text(hours.days) or "no day"
    return f"{days} {hours.start}–{hours.end} ({hours.time_zone})"


def is_open(hours: BusinessHours, moment: datetime) -> bool:
    """Whether `moment` falls inside the window. A window whose end is not after its
    start runs past midnight into the next day."""
    zone = _zone(hours)
    if zone is None:
        return False
    local = moment.astimezone(zone)
    start, end, now = _time(hours.start), _time(hours.end), local.time()
    today = WEEKDAYS[local.weekday()]
    if start < end:
        return today in hours.days and start <= now < end
    yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
    return (today in hours.days and now >= start) or (yesterday in hours.days and now < end)


def next_opening(hours: BusinessHours, moment: datetime) -> datetime | None:
    """When the window next opens after `moment`, in the environment's time zone (None
    when no day is chosen or the time zone is unknown)."""
    zone = _zone(hours)
    if zone is None:
        return None
    local = moment.astimezone(zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        opening = datetime.combine(day, _time(hours.start), zone)
        if WEEKDAYS[day.weekday()] in hours.days and opening > local:
            return opening
    return None


def closed_reason(environment: str, hours: BusinessHours, moment: datetime) -> str:
    """Why `environment` cannot be deployed to at `moment` ("" when its window is open)."""
    if _zone(hours) is None:
        return (f"{environment} deploys only during business hours, but its time zone "
                f"{hours.time_zone!r} is not a known time zone; fix it in the "
                "environment's settings")
    if is_open(hours, moment):
        return ""
    local = moment.astimezone(_zone(hours))
    opening = next_opening(hours, moment)
    when = ("no day is chosen, so it never opens" if opening is None else
            f"the next window opens {opening:%A} {opening.day} {opening:%B %Y at %H:%M} "
            f"({hours.time_zone})")
    return (f"{environment} deploys only during business hours, {window_text(hours)}; "
            f"it is {local:%A %H:%M} there now: {when}")
