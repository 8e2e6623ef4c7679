"""Azure Pipelines schedules: read a cron expression aloud and list its next runs.

Azure's `schedules[].cron` is a 5-field expression — minute, hour, day of month, month,
day of week — always in UTC. Each field is `*`, a number or name, a range (`1-5`,
`Mon-Fri`), a step (`*/15`, `0-30/10`) or a comma list of those. Days of the week run
0-6 from Sunday; names are the English three-letter abbreviations, in any case.
Parsing here is strict (what Azure accepts); croniter computes the run times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


class CronError(ValueError):
    """A cron expression Azure would not accept; `column` is 1-based in the expression."""

    def __init__(self, message: str, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class _FieldSpec:
    name: str
    low: int
    high: int
    names: dict[str, int]


_MONTHS = {name[:3].lower(): index + 1 for index, name in enumerate(MONTH_NAMES)}
_DAYS = {name[:3].lower(): index for index, name in enumerate(DAY_NAMES)}
_SPECS = (
    _FieldSpec("minute", 0, 59, {}),
    _FieldSpec("hour", 0, 23, {}),
    _FieldSpec("day of month", 1, 31, {}),
    _FieldSpec("month", 1, 12, _MONTHS),
    _FieldSpec("day of week", 0, 6, _DAYS),
)


@dataclass(frozen=True)
class Part:
    """One comma-separated item of a field: `start-end/step`; `star` for `*` (or `*/n`)."""

    start: int
    end: int
    step: int = 1
    star: bool = False

    def values(self) -> list[int]:
        return list(range(self.start, self.end + 1, self.step))


@dataclass(frozen=True)
class Field:
    spec: _FieldSpec
    parts: tuple[Part, ...]

    @property
    def is_any(self) -> bool:
        return len(self.parts) == 1 and self.parts[0].star and self.parts[0].step == 1

    @property
    def is_simple(self) -> bool:
        """Only plain values and ranges, no `*` and no steps."""
        return all(not p.star and p.step == 1 for p in self.parts)

    def values(self) -> list[int]:
        return sorted({value for part in self.parts for value in part.values()})


@dataclass(frozen=True)
class CronSchedule:
    minute: Field
    hour: Field
    day_of_month: Field
    month: Field
    day_of_week: Field


def parse(cron: str) -> CronSchedule:
    """Parse Azure's 5-field cron syntax; raises CronError naming the field and column."""
    words: list[tuple[str, int]] = []
    index = 0
    for word in cron.split():
        index = cron.index(word, index)
        words.append((word, index + 1))
        index += len(word)
    if len(words) != 5:
        raise CronError(
            f"a schedule has 5 fields (minute hour day-of-month month day-of-week), "
            f"this one has {len(words)}",
            words[5][1] if len(words) > 5 else max(1, len(cron)),
        )
    fields = [
        _parse_field(word, column, spec)
        for (word, column), spec in zip(words, _SPECS, strict=True)
    ]
    return CronSchedule(*fields)


def _parse_field(word: str, column: int, spec: _FieldSpec) -> Field:
    parts: list[Part] = []
    offset = 0
    for item in word.split(","):
        parts.append(_parse_part(item, column + offset, spec))
        offset += len(item) + 1
    return Field(spec, tuple(parts))


def _parse_part(item: str, column: int, spec: _FieldSpec) -> Part:
    if not item:
        raise CronError(f"empty item in the {spec.name} field", column)
    body, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) == 0:
            raise CronError(
                f"the step after '/' in the {spec.name} field must be a whole number above 0",
                column + len(body) + 1,
            )
        step = int(step_text)
    if body == "*":
        return Part(spec.low, spec.high, step, star=True)
    first, dash, last = body.partition("-")
    start = _value(first, column, spec)
    end = _value(last, column + len(first) + 1, spec) if dash else start
    if dash and end < start:
        raise CronError(
            f"the range {body!r} in the {spec.name} field runs backwards", column
        )
    if slash and not dash:
        end = spec.high  # `5/15` means from 5 to the end, every 15
    return Part(start, end, step)


def _value(text: str, column: int, spec: _FieldSpec) -> int:
    if text.isdigit():
        value = int(text)
    elif text.lower() in spec.names:
        return spec.names[text.lower()]
    elif not text:
        raise CronError(f"a value is missing in the {spec.name} field", column)
    else:
        hint = ""
        if spec.names:
            hint = " (names: " + ", ".join(name.title() for name in spec.names) + ")"
        raise CronError(f"{text!r} is not a valid {spec.name}{hint}", column)
    if not spec.low <= value <= spec.high:
        raise CronError(
            f"{spec.name} {value} is out of range {spec.low}-{spec.high}", column
        )
    return value


def validate(cron: str) -> str | None:
    """None when `cron` is valid, else the message of the error (with its column)."""
    try:
        parse(cron)
    except CronError as error:
        return f"Column {error.column}: {error.message}"
    return None


# --------------------------------------------------------------------- reading aloud


def describe(cron: str) -> str:
    """A reading of the schedule, e.g. "At 03:00, Monday through Friday, UTC"."""
    schedule = parse(cron)
    time = _describe_time(schedule.minute, schedule.hour)
    pieces = [time]
    days = _describe_days(schedule.day_of_month, schedule.day_of_week)
    if days:
        pieces.append(days)
    if not schedule.month.is_any:
        pieces.append("in " + _describe_values(schedule.month, MONTH_NAMES, offset=1))
    if not days and schedule.month.is_any and time[3:4].isdigit():
        pieces.append("every day")
    pieces.append("UTC")
    return ", ".join(pieces)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _runs(values: list[int]) -> list[tuple[int, int]]:
    """Consecutive values grouped: [1, 2, 3, 5] → [(1, 3), (5, 5)]."""
    runs: list[tuple[int, int]] = []
    for value in values:
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _describe_values(field: Field, names: list[str], offset: int = 0) -> str:
    words = []
    for start, end in _runs(field.values()):
        if end - start >= 2:
            words.append(f"{names[start - offset]} through {names[end - offset]}")
        else:
            words += [names[value - offset] for value in range(start, end + 1)]
    return _join(words)


def _clock(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


def _step_phrase(part: Part, unit: str, high: int, render: Callable[[int], str]) -> str:
    """`*/15` → "every 15 minutes"; `10-40/10` → "every 10 minutes from minute 10 through
    minute 40"; `5/15` → "every 15 minutes starting at minute 5"."""
    phrase = f"every {part.step} {unit}s"
    if part.star:
        return phrase
    if part.end == high:
        return f"{phrase} starting at {render(part.start)}"
    return f"{phrase} from {render(part.start)} through {render(part.end)}"


def _describe_time(minute: Field, hour: Field) -> str:
    minutes, hours = minute.values(), hour.values()
    if minute.is_simple and hour.is_simple and len(minutes) * len(hours) <= 6:
        return "At " + _join([_clock(h, m) for h in hours for m in minutes])
    if minute.is_any:
        phrase = "Every minute"
    elif len(minute.parts) == 1 and minute.parts[0].step > 1:
        phrase = _step_phrase(minute.parts[0], "minute", 59, lambda m: f"minute {m}")
        phrase = phrase[0].upper() + phrase[1:]
    elif len(minutes) == 1:
        phrase = f"At minute {minutes[0]}"
    else:
        phrase = "At minutes " + _describe_values(minute, [str(m) for m in range(60)])
    if hour.is_any:
        return phrase + " of every hour" if phrase.startswith("At ") else phrase
    if len(hour.parts) == 1 and hour.parts[0].step > 1:
        return phrase + ", " + _step_phrase(hour.parts[0], "hour", 23, lambda h: _clock(h, 0))
    runs = _runs(hours)
    if len(runs) == 1:
        start, end = runs[0]
        return f"{phrase}, between {_clock(start, 0)} and {_clock(end, 59)}"
    spans = [f"{_clock(start, 0)}-{_clock(end, 59)}" for start, end in runs]
    return f"{phrase}, during {_join(spans)}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _describe_days(day_of_month: Field, day_of_week: Field) -> str:
    pieces = []
    if not day_of_month.is_any:
        if len(day_of_month.parts) == 1 and day_of_month.parts[0].step > 1:
            part = day_of_month.parts[0]
            phrase = f"every {_ordinal(part.step)} day of the month"
            if not part.star:
                phrase += f" from the {_ordinal(part.start)}"
                if part.end != 31:
                    phrase += f" through the {_ordinal(part.end)}"
            pieces.append(phrase)
        else:
            ordinals = [_ordinal(day) for day in range(32)]
            pieces.append("on the " + _describe_values(day_of_month, ordinals) + " of the month")
    if not day_of_week.is_any:
        days = day_of_week.values()
        text = _describe_values(day_of_week, DAY_NAMES)
        runs = _runs(days)
        pieces.append(text if len(runs) == 1 and len(days) >= 3 else "on " + text)
    # Cron runs on either kind of day when both are restricted, as Azure does.
    return " or ".join(pieces)


# --------------------------------------------------------------------- next runs


def next_runs(cron: str, count: int = 5, after: datetime | None = None) -> list[datetime]:
    """The next `count` run times (UTC, aware) strictly after `after` (default: now).

    A naive `after` is taken as UTC, since Azure's schedules are always in UTC."""
    parse(cron)
    if after is None:
        after = datetime.now(UTC)
    elif after.tzinfo is None:
        after = after.replace(tzinfo=UTC)
    else:
        after = after.astimezone(UTC)
    from croniter import croniter  # ~30 ms with dateutil: when run times are asked, not at start

    iterator = croniter(cron, after)
    return [iterator.get_next(datetime).astimezone(UTC) for _ in range(count)]
