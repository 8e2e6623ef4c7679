"""Azure Pipelines runtime condition expressions (the `condition:` language).

This follows Microsoft's DistributedTask expression engine as written down in
`shared/specs/expressions.md` (the § numbers below refer to it). The lexer and the
container-based parser mirror the engine's, so an error is reported at the same token and
with the same kind as Azure's; values keep the engine's kinds (Null, Boolean, Number,
String, Version, DateTime, Array, Object) and its coercions, where the LEFT operand's kind
decides how a comparison converts the right one.

Decisions where the spec leaves the real service open (§8.11, §9.1, §11):
`in`/`notIn` need 2 arguments (SDK), `iif` takes exactly 3 and evaluates both branches,
`replace` matches case-insensitively and leaves the text alone for an empty `old`, `split`
uses its delimiter as one string, and `succeededOrFailed` requires every non-failed
record to have succeeded (the fixed behaviour, not the 2019 order quirk).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from enum import Enum
from functools import cache

MAX_DEPTH = 50
"""Open calls and indexers at which parsing fails (§3.5)."""
MAX_LENGTH = 21_000
"""Longest accepted expression, in UTF-16 code units (§3.6)."""

_UNBOUNDED = 2**31 - 1
_ARITY: tuple[tuple[str, int, int], ...] = (
    ("and", 2, _UNBOUNDED),
    ("or", 2, _UNBOUNDED),
    ("not", 1, 1),
    ("xor", 2, 2),
    ("eq", 2, 2),
    ("ne", 2, 2),
    ("gt", 2, 2),
    ("ge", 2, 2),
    ("lt", 2, 2),
    ("le", 2, 2),
    ("in", 2, _UNBOUNDED),
    ("notIn", 2, _UNBOUNDED),
    ("contains", 2, 2),
    ("containsValue", 2, 2),
    ("startsWith", 2, 2),
    ("endsWith", 2, 2),
    ("format", 1, 255),
    ("join", 2, 2),
    ("coalesce", 2, _UNBOUNDED),
    ("iif", 3, 3),
    ("length", 1, 1),
    ("lower", 1, 1),
    ("upper", 1, 1),
    ("replace", 3, 3),
    ("split", 2, 2),
    ("trim", 1, 1),
    ("convertToJson", 1, 1),
    ("always", 0, 0),
    ("canceled", 0, 0),
    ("failed", 0, _UNBOUNDED),
    ("succeeded", 0, _UNBOUNDED),
    ("succeededOrFailed", 0, _UNBOUNDED),
)
_FUNCTIONS = {name.lower(): (name, low, high) for name, low, high in _ARITY}
FUNCTION_NAMES: tuple[str, ...] = tuple(name for name, _, _ in _ARITY)
"""Every function of a stage/job condition, spelled as Azure's documentation spells it."""
NAMED_VALUES: tuple[str, ...] = ("variables", "dependencies", "stageDependencies", "pipeline")
"""The contexts a stage/job condition can read."""
_NAMED = {name.lower(): name for name in NAMED_VALUES}
_STATUS_FUNCTIONS = frozenset({"always", "canceled", "failed", "succeeded", "succeededorfailed"})
_STAGE_CONTEXTS = frozenset({"dependencies", "stagedependencies"})
_KEYWORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# --------------------------------------------------------------------------- errors


class ExpressionError(Exception):
    """An expression Azure would reject. `kind` is the engine's error kind, `column` the
    1-based position of the fault counted from the start of the expression (line breaks
    included, as Azure's "position"), `token` the offending text."""

    def __init__(
        self, kind: str, description: str, column: int, token: str, expression: str
    ) -> None:
        self.kind = kind
        self.column = column
        self.token = token
        self.message = self._compose(
            description, _one_line(token, 60), column, _one_line(expression, 120)
        )
        super().__init__(self.message)

    @staticmethod
    def _compose(description: str, token: str, column: int, shown: str) -> str:
        token_part = f": '{token}'" if token else ""
        return f"{description}{token_part}. Located at column {column} within expression: {shown}"


def _one_line(text: str, limit: int) -> str:
    """Text for a one-line message: whitespace runs collapsed, long text cut short."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EvaluationError(ExpressionError):
    """A well-formed expression that fails while evaluating (kinds TypeCast, Format,
    NotSupported); `column` and `token` point at the function call that failed."""

    @staticmethod
    def _compose(description: str, token: str, column: int, shown: str) -> str:
        return f"{description} (in {token}() at column {column} of expression: {shown})"


class _Failure(Exception):
    """Raised inside a function's implementation; the call node turns it into an
    EvaluationError carrying its own position."""

    def __init__(self, kind: str, description: str) -> None:
        super().__init__(description)
        self.kind = kind
        self.description = description


# ----------------------------------------------------------------- text like .NET

_DOTNET_WHITESPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
    + "".join(chr(code) for code in range(0x2000, 0x200B))
)
"""The characters .NET's Char.IsWhiteSpace accepts (Python's isspace() differs)."""


@cache
def _case_table(upper: bool) -> dict[int, int]:
    """Simple one-to-one case mapping of the Basic Multilingual Plane, as .NET's invariant
    ToUpper/ToLower: characters whose mapping expands (ß → SS) stay as they are."""
    table: dict[int, int] = {}
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        mapped = char.upper() if upper else char.lower()
        if len(mapped) == 1 and mapped != char and ord(mapped) < 0x10000:
            table[code] = ord(mapped)
    return table


def _fold(text: str) -> str:
    return text.translate(_case_table(True))


def _ci_equal(left: str, right: str) -> bool:
    """StringComparison.OrdinalIgnoreCase equality."""
    return len(left) == len(right) and _fold(left) == _fold(right)


def _ci_compare(left: str, right: str) -> int:
    """StringComparison.OrdinalIgnoreCase order: UTF-16 code units after upper-casing."""
    a = _fold(left).encode("utf-16-be")
    b = _fold(right).encode("utf-16-be")
    return (a > b) - (a < b)


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _dotnet_trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and text[start] in _DOTNET_WHITESPACE:
        start += 1
    while end > start and text[end - 1] in _DOTNET_WHITESPACE:
        end -= 1
    return text[start:end]


# ------------------------------------------------------------------------- values


@dataclass(frozen=True, order=True)
class Version:
    """A .NET System.Version: 2–4 components, an absent build or revision is -1, so
    `1.2` < `1.2.0` and `1.2.3` != `1.2.3.0` (§4)."""

    major: int
    minor: int
    build: int = -1
    revision: int = -1

    def __str__(self) -> str:
        parts = (self.major, self.minor, self.build, self.revision)
        return ".".join(str(part) for part in parts if part >= 0)


class _Object:
    """An Object value: a dictionary whose keys match case-insensitively, as every
    pipeline dictionary (variables, dependencies, outputs) does."""

    __slots__ = ("_entries",)

    def __init__(self, items: Iterable[tuple[str, object]]) -> None:
        self._entries: dict[str, tuple[str, object]] = {}
        for key, value in items:
            self._entries[_fold(key)] = (key, value)

    def lookup(self, key: str) -> tuple[bool, object]:
        entry = self._entries.get(_fold(key))
        return (False, None) if entry is None else (True, entry[1])

    def get(self, key: str) -> object:
        return self.lookup(key)[1]

    def items(self) -> list[tuple[str, object]]:
        return list(self._entries.values())

    def values(self) -> list[object]:
        return [value for _, value in self._entries.values()]

    def __len__(self) -> int:
        return len(self._entries)


class _FilteredArray(list):
    """The result of a wildcard (`dependencies.*.result`): indexing it applies the key to
    every element and keeps the hits (§7)."""


def _kind(value: object) -> str:
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, Decimal):
        return "Number"
    if isinstance(value, str):
        return "String"
    if isinstance(value, Version):
        return "Version"
    if isinstance(value, datetime):
        return "DateTime"
    if isinstance(value, list):
        return "Array"
    return "Object"


def _from_python(value: object) -> object:
    """Data handed in by the caller → the engine's canonical values."""
    if value is None or isinstance(value, (bool, str, Decimal, Version, _Object)):
        return value
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, Mapping):
        return _Object((str(key), _from_python(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_from_python(item) for item in value]
    raise TypeError(f"cannot use a {type(value).__name__} as an expression value")


def _to_python(value: object) -> object:
    if isinstance(value, _Object):
        return {key: _to_python(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_python(item) for item in value]
    return value


# Numbers (§2, §5.3, §12): .NET decimal, 96-bit mantissa, scale 0..28.
_DECIMAL_MAX = Decimal("79228162514264337593543950335")
_NUMBER_LITERAL = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_NUMBER_TEXT = re.compile(
    r"[ \t\n\v\f\r]*([+-]?)(?:(\d[\d,]*)(?:\.(\d*))?|\.(\d+))[ \t\n\v\f\r]*", re.ASCII
)
_VERSION_PART = re.compile(r"[ \t\n\v\f\r]*([+-]?)(\d+)[ \t\n\v\f\r]*", re.ASCII)


def _fit_decimal(value: Decimal) -> Decimal | None:
    """Round an exact value into .NET's decimal, or None when it overflows."""
    with localcontext() as context:
        context.prec = 120
        if abs(value) > _DECIMAL_MAX:
            return None
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
        if exponent >= 0:
            return value
        scale = min(-exponent, 28)
        while scale >= 0:
            rounded = value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_EVEN)
            if abs(rounded.scaleb(scale)) < 2**96 and abs(rounded) <= _DECIMAL_MAX:
                return rounded
            scale -= 1
        return None


def _parse_number_literal(text: str) -> Decimal | None:
    if not _NUMBER_LITERAL.fullmatch(text):
        return None
    return _fit_decimal(Decimal(text))


def _parse_number_text(text: str) -> Decimal | None:
    """Decimal.TryParse with leading/trailing white, leading sign, point, thousands."""
    match = _NUMBER_TEXT.fullmatch(text)
    if not match:
        return None
    sign, whole, fraction, only_fraction = match.groups()
    if only_fraction is not None:
        digits = "0." + only_fraction
    else:
        digits = whole.replace(",", "") + ("." + fraction if fraction else "")
    return _fit_decimal(Decimal(sign + digits))


def _parse_version(text: str) -> Version | None:
    """System.Version.TryParse: 2–4 non-negative Int32 components."""
    parts = text.split(".")
    if not 2 <= len(parts) <= 4:
        return None
    components: list[int] = []
    for part in parts:
        match = _VERSION_PART.fullmatch(part)
        if not match:
            return None
        number = int(match.group(2))
        if (match.group(1) == "-" and number != 0) or number > _UNBOUNDED:
            return None
        components.append(number)
    return Version(*components)


def _format_number(value: Decimal) -> str:
    """.NET `ToString("0.#######")`: no exponent, at most 7 decimals, half away from 0."""
    with localcontext() as context:
        context.prec = 120
        text = format(value.quantize(Decimal("1e-7"), rounding=ROUND_HALF_UP), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# DateTime (§5.6): only pipeline.startTime, or a string compared with it.
_DATETIME_TEXT = re.compile(
    r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})[ T](\d{1,2}):(\d{1,2}):(\d{1,2})"
    r"(?:\.(\d{1,7}))?(Z|[+-]\d{1,2}:\d{1,2})?",
    re.ASCII,
)


def _parse_datetime(text: str) -> datetime | None:
    match = _DATETIME_TEXT.fullmatch(_dotnet_trim(text))
    if not match:
        return None
    year, _, month, day, hour, minute, second, fraction, offset = match.groups()
    zone = UTC
    if offset and offset != "Z":
        hours, minutes = offset[1:].split(":")
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        if delta > timedelta(hours=14):
            return None
        zone = timezone(-delta if offset[0] == "-" else delta)
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            int((fraction or "0").ljust(7, "0")[:6]), tzinfo=zone,
        )
    except ValueError:
        return None


def _offset_text(value: datetime) -> str:
    offset = value.utcoffset() or timedelta()
    sign = "-" if offset < timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _format_datetime(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}{_offset_text(value)}"


# Conversions (§5). The try_ forms return None on failure (None is never a result of
# them, since Null converts to '' or 0 where it converts at all).


def _to_bool(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return value != 0
    if isinstance(value, str):
        return value != ""
    return True


def _try_string(value: object) -> str | None:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, Decimal):
        return _format_number(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Version):
        return str(value)
    if isinstance(value, datetime):
        return _format_datetime(value)
    return None


def _try_number(value: object) -> Decimal | None:
    if value is None:
        return Decimal(0)
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        return Decimal(0) if value == "" else _parse_number_text(value)
    return None


def _try_version(value: object) -> Version | None:
    if isinstance(value, Version):
        return value
    if isinstance(value, str):
        return _parse_version(value)
    if isinstance(value, Decimal):
        return _parse_version(_format_number(value))
    return None


def _try_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return _parse_datetime(value)
    return None


def _cast_failure(value: object, target: str) -> _Failure:
    shown = _try_string(value)
    if shown is None:
        shown = _json(value)
    description = f"Unable to convert from {_kind(value)} to {target}. Value: {shown}"
    return _Failure("TypeCast", description)


def _to_string(value: object) -> str:
    text = _try_string(value)
    if text is None:
        raise _cast_failure(value, "String")
    return text


def _equals(left: object, right: object) -> bool:
    """Equality with the right value converted to the left value's kind (§6.1)."""
    kind = _kind(left)
    if kind == "Null":
        return right is None or right == ""
    if kind == "Boolean":
        return left == _to_bool(right)
    if kind == "Number":
        number = _try_number(right)
        return number is not None and number == left
    if kind == "String":
        text = _try_string(right)
        return text is not None and _ci_equal(left, text)  # type: ignore[arg-type]
    if kind == "Version":
        version = _try_version(right)
        return version is not None and version == left
    if kind == "DateTime":
        moment = _try_datetime(right)
        return moment is not None and moment == left
    return left is right


def _compare(left: object, right: object) -> int:
    """Ordering with the right value converted to the left kind; failure is TypeCast (§6.2)."""
    if left is None or isinstance(left, (list, _Object)):
        number = _try_number(left)
        if number is None:
            raise _cast_failure(left, "Number")
        left = number
    converted: object
    if isinstance(left, bool):
        converted = _to_bool(right)
    elif isinstance(left, Decimal):
        converted = _try_number(right)
    elif isinstance(left, str):
        converted = _try_string(right)
    elif isinstance(left, Version):
        converted = _try_version(right)
    else:
        converted = _try_datetime(right)
    if converted is None:
        raise _cast_failure(right, _kind(left))
    if isinstance(left, str):
        return _ci_compare(left, converted)  # type: ignore[arg-type]
    return (left > converted) - (left < converted)  # type: ignore[operator]


def _json_string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    return encoded.replace("\x85", "\\u0085").replace("\u2028", "\\u2028").replace(
        "\u2029", "\\u2029"
    )


def _json(value: object, level: int = 0) -> str:
    """convertToJson's indented output (§8.9)."""
    inner = "  " * (level + 1)
    if isinstance(value, _Object):
        if not len(value):
            return "{}"
        members = [f"{inner}{_json_string(k)}: {_json(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(members) + "\n" + "  " * level + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        elements = [inner + _json(item, level + 1) for item in value]
        return "[\n" + ",\n".join(elements) + "\n" + "  " * level + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _format_number(value)
    return _json_string(_to_string(value))


def display(value: object) -> str:
    """A value as Azure shows it: its String conversion (Null → '', True → 'True',
    numbers as `0.#######`), and arrays/objects as convertToJson writes them."""
    canonical = _from_python(value)
    if isinstance(canonical, (list, _Object)):
        return _json(canonical)
    return _to_string(canonical)


# -------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class _Lexeme:
    kind: str
    raw: str
    start: int
    value: object = None

    @property
    def end(self) -> int:
        return self.start + len(self.raw)


_PUNCTUATION = {
    "[": "StartIndex",
    "(": "StartParameter",
    "]": "EndIndex",
    ")": "EndParameter",
    ",": "Separator",
    "*": "Wildcard",
}
_TERMINATORS = frozenset("[(]),.") | _DOTNET_WHITESPACE


class _Lexer:
    """The engine's LexicalAnalyzer (§2): one token at a time, remembering the last one,
    since a `.` after a value is a dereference and elsewhere starts a number."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._index = 0
        self._last: _Lexeme | None = None

    def next(self) -> _Lexeme | None:
        text = self._text
        while self._index < len(text) and text[self._index] in _DOTNET_WHITESPACE:
            self._index += 1
        if self._index >= len(text):
            return None
        char = text[self._index]
        if char in _PUNCTUATION:
            token = _Lexeme(_PUNCTUATION[char], char, self._index)
            self._index += 1
        elif char == "." and self._last is not None and self._last.kind not in (
            "Separator", "StartIndex", "StartParameter"
        ):
            token = _Lexeme("Dereference", char, self._index)
            self._index += 1
        elif char in ".-" or "0" <= char <= "9":
            token = self._number_or_version()
        elif char == "'":
            token = self._string()
        else:
            token = self._keyword()
        self._last = token
        return token

    def _number_or_version(self) -> _Lexeme:
        text, start = self._text, self._index
        self._index += 1
        while self._index < len(text) and (
            text[self._index] not in _TERMINATORS or text[self._index] == "."
        ):
            self._index += 1
        raw = text[start : self._index]
        if raw.count(".") >= 2:
            version = _parse_version(raw)
            if version is not None:
                return _Lexeme("Version", raw, start, version)
        else:
            number = _parse_number_literal(raw)
            if number is not None:
                return _Lexeme("Number", raw, start, number)
        return _Lexeme("Unrecognized", raw, start)

    def _string(self) -> _Lexeme:
        text, start = self._text, self._index
        self._index += 1
        chars: list[str] = []
        while self._index < len(text):
            char = text[self._index]
            self._index += 1
            if char == "'":
                if self._index >= len(text) or text[self._index] != "'":
                    return _Lexeme("String", text[start : self._index], start, "".join(chars))
                self._index += 1
            chars.append(char)
        return _Lexeme("Unrecognized", text[start:], start)

    def _keyword(self) -> _Lexeme:
        text, start = self._text, self._index
        self._index += 1
        while self._index < len(text) and text[self._index] not in _TERMINATORS:
            self._index += 1
        raw = text[start : self._index]
        if _KEYWORD.fullmatch(raw):
            lowered = raw.lower()
            if self._last is not None and self._last.kind == "Dereference":
                return _Lexeme("PropertyName", raw, start, raw)
            if lowered in ("true", "false"):
                return _Lexeme("Boolean", raw, start, lowered == "true")
            if lowered in _FUNCTIONS:
                return _Lexeme("Function", raw, start, _FUNCTIONS[lowered][0])
            if lowered in _NAMED:
                return _Lexeme("NamedValue", raw, start, _NAMED[lowered])
        return _Lexeme("UnknownKeyword", raw, start)


@dataclass(frozen=True)
class Token:
    """A lexical token for syntax highlighting; `start`/`end` are 0-based offsets."""

    kind: str
    text: str
    start: int
    end: int


_HIGHLIGHT_KINDS = {
    "Boolean": "keyword",
    "NamedValue": "keyword",
    "Function": "function",
    "PropertyName": "property",
    "Number": "number",
    "Version": "version",
    "String": "string",
    "UnknownKeyword": "error",
    "Unrecognized": "error",
}


def tokenize(text: str) -> list[Token]:
    """The whole text as tokens (whitespace included, so they tile it), using the
    evaluator's own lexer. Kinds: function, keyword (true/false and the contexts),
    number, version, string, property, punctuation, whitespace, error. Never raises."""
    tokens: list[Token] = []
    lexer = _Lexer(text)
    position = 0
    while (lexeme := lexer.next()) is not None:
        if lexeme.start > position:
            gap = text[position : lexeme.start]
            tokens.append(Token("whitespace", gap, position, lexeme.start))
        kind = _HIGHLIGHT_KINDS.get(lexeme.kind, "punctuation")
        tokens.append(Token(kind, lexeme.raw, lexeme.start, lexeme.end))
        position = lexeme.end
    if position < len(text):
        tokens.append(Token("whitespace", text[position:], position, len(text)))
    return tokens


# ------------------------------------------------------------------- syntax tree


@dataclass(eq=False)
class Node:
    """A sub-expression spanning `start`..`end` (0-based offsets) of the source."""

    start: int
    end: int


@dataclass(eq=False)
class Literal(Node):
    value: object


@dataclass(eq=False)
class NamedValue(Node):
    name: str


@dataclass(eq=False)
class Wildcard(Node):
    pass


@dataclass(eq=False)
class Index(Node):
    """`target[key]`, or `target.key` when `dotted` (then `opener` is the `.`)."""

    target: Node
    key: Node | None
    opener: int
    dotted: bool


@dataclass(eq=False)
class Call(Node):
    name: str
    args: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class Expression:
    """A parsed condition. An empty condition is Azure's implicit `succeeded()`."""

    text: str
    root: Node
    implicit: bool = False

    def source(self, node: Node) -> str:
        """The text of a sub-expression."""
        return "succeeded()" if self.implicit else self.text[node.start : node.end]


_DESCRIPTIONS = {
    "UnrecognizedValue": "Unrecognized value",
    "UnexpectedSymbol": "Unexpected symbol",
    "ExpectedStartParameter": "Expected '(' to follow a function",
    "ExpectedPropertyName": "Expected a property name to follow the dereference operator '.'",
    "UnclosedFunction": "Unclosed function",
    "UnclosedIndexer": "Unclosed indexer",
    "ExceededMaxDepth": f"Exceeded max expression depth {MAX_DEPTH}",
    "ExceededMaxLength": f"Exceeded max expression length {MAX_LENGTH}",
}
_AFTER_VALUE_START = ("StartIndex", "StartParameter", "Separator")
_INDEXABLE = ("EndParameter", "EndIndex", "PropertyName", "NamedValue", "Wildcard")


@dataclass
class _Container:
    node: Call | Index
    token: _Lexeme


class _Parser:
    """The engine's ExpressionParser (§3): a stack of open calls and indexers, each token
    checked against the one before it, so the first fault in token order is reported."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._lexer = _Lexer(text)
        self._token: _Lexeme | None = None
        self._last: _Lexeme | None = None
        self._root: Node | None = None
        self._containers: list[_Container] = []

    def parse(self) -> Node | None:
        while self._advance():
            token = self._current()
            kind = token.kind
            if kind == "StartIndex":
                self._start_index(token)
            elif kind == "EndIndex":
                self._end_index(token)
            elif kind == "EndParameter":
                self._end_parameter(token)
            elif kind == "Separator":
                self._separator(token)
            elif kind == "Dereference":
                self._dereference(token)
            elif kind == "Wildcard":
                self._wildcard(token)
            elif kind == "Function":
                self._function(token)
            elif kind in ("Boolean", "Number", "Version", "String", "NamedValue"):
                self._value(token)
            elif kind in ("Unrecognized", "UnknownKeyword"):
                raise self._error("UnrecognizedValue", token)
            else:
                raise self._error("UnexpectedSymbol", token)
            if len(self._containers) >= MAX_DEPTH:
                raise self._error("ExceededMaxDepth", self._containers[-1].token)
        if self._containers:
            container = self._containers[-1]
            kind = "UnclosedFunction" if isinstance(container.node, Call) else "UnclosedIndexer"
            raise self._error(kind, container.token)
        return self._root

    def _advance(self) -> bool:
        self._last = self._token
        self._token = self._lexer.next()
        return self._token is not None

    def _current(self) -> _Lexeme:
        assert self._token is not None
        return self._token

    def _error(self, kind: str, token: _Lexeme) -> ExpressionError:
        return ExpressionError(kind, _DESCRIPTIONS[kind], token.start + 1, token.raw, self._text)

    def _follows_value_start(self) -> bool:
        return self._last is None or self._last.kind in _AFTER_VALUE_START

    def _add(self, node: Node) -> None:
        if self._root is None:
            self._root = node
        else:
            self._append(node)

    def _append(self, node: Node) -> None:
        container = self._containers[-1].node
        if isinstance(container, Call):
            container.args.append(node)
        else:
            container.key = node

    def _value(self, token: _Lexeme) -> None:
        if not self._follows_value_start():
            raise self._error("UnexpectedSymbol", token)
        node: Node
        if token.kind == "NamedValue":
            node = NamedValue(token.start, token.end, str(token.value))
        else:
            node = Literal(token.start, token.end, token.value)
        self._add(node)

    def _function(self, token: _Lexeme) -> None:
        if not self._follows_value_start():
            raise self._error("UnexpectedSymbol", token)
        if not self._advance() or self._current().kind != "StartParameter":
            raise self._error("ExpectedStartParameter", token)
        call = Call(token.start, token.end, str(token.value))
        self._add(call)
        self._containers.append(_Container(call, token))

    def _wrap_last(self, token: _Lexeme, dotted: bool) -> Index:
        """Replace the value just read with an indexer over it."""
        if self._last is None or self._last.kind not in _INDEXABLE:
            raise self._error("UnexpectedSymbol", token)
        container = self._containers[-1].node if self._containers else None
        if isinstance(container, Call):
            target = container.args[-1]
        elif isinstance(container, Index):
            target = container.key
        else:
            target = self._root
        assert target is not None
        index = Index(target.start, token.end, target, None, token.start, dotted)
        if isinstance(container, Call):
            container.args[-1] = index
        elif isinstance(container, Index):
            container.key = index
        else:
            self._root = index
        return index

    def _start_index(self, token: _Lexeme) -> None:
        index = self._wrap_last(token, dotted=False)
        self._containers.append(_Container(index, token))

    def _dereference(self, token: _Lexeme) -> None:
        index = self._wrap_last(token, dotted=True)
        if not self._advance():
            raise self._error("ExpectedPropertyName", token)
        name = self._current()
        if name.kind == "PropertyName":
            index.key = Literal(name.start, name.end, name.raw)
        elif name.kind == "Wildcard":
            index.key = Wildcard(name.start, name.end)
        else:
            raise self._error("UnexpectedSymbol", name)
        index.end = name.end

    def _wildcard(self, token: _Lexeme) -> None:
        if self._last is None or self._last.kind != "StartIndex":
            raise self._error("UnexpectedSymbol", token)
        self._append(Wildcard(token.start, token.end))

    def _end_index(self, token: _Lexeme) -> None:
        container = self._containers[-1].node if self._containers else None
        if not isinstance(container, Index) or container.key is None:
            raise self._error("UnexpectedSymbol", token)
        container.end = token.end
        self._containers.pop()

    def _separator(self, token: _Lexeme) -> None:
        container = self._containers[-1].node if self._containers else None
        if (
            not isinstance(container, Call)
            or not container.args
            or len(container.args) >= _FUNCTIONS[container.name.lower()][2]
            or self._last_is_separator()
        ):
            raise self._error("UnexpectedSymbol", token)

    def _end_parameter(self, token: _Lexeme) -> None:
        container = self._containers[-1].node if self._containers else None
        if not isinstance(container, Call):
            raise self._error("UnexpectedSymbol", token)
        _, low, high = _FUNCTIONS[container.name.lower()]
        if not low <= len(container.args) <= high or self._last_is_separator():
            raise self._error("UnexpectedSymbol", token)
        container.end = token.end
        self._containers.pop()

    def _last_is_separator(self) -> bool:
        return self._last is not None and self._last.kind == "Separator"


def parse(text: str) -> Expression:
    """Parse a condition as Azure does; raises ExpressionError with the engine's kind and
    the column of the fault. An empty or blank condition is the implicit `succeeded()`."""
    if _utf16_length(text) > MAX_LENGTH:
        raise ExpressionError(
            "ExceededMaxLength", _DESCRIPTIONS["ExceededMaxLength"], MAX_LENGTH + 1, "", text
        )
    root = _Parser(text).parse()
    if root is None:
        return Expression(text, Call(0, 0, "succeeded"), implicit=True)
    return Expression(text, root)


# --------------------------------------------------------------------- evaluation

_SUCCEEDED_RESULTS = frozenset({"SUCCEEDED", "SUCCEEDEDWITHISSUES"})


@dataclass
class _Context:
    expression: Expression
    named: dict[str, object]
    results: dict[str, tuple[str, str]]
    """Status records, direct dependencies first: folded name → (name, result)."""
    canceling: bool
    secret_values: list[str]
    """Values of secret variables, longest first, shown as *** in messages."""
    trace: dict[int, object] | None = None

    def mask(self, text: str) -> str:
        for value in self.secret_values:
            text = text.replace(value, "***")
        return text


def _evaluate(node: Node, context: _Context) -> object:
    value: object
    if isinstance(node, Literal):
        value = node.value
    elif isinstance(node, NamedValue):
        value = context.named[node.name]
    elif isinstance(node, Index):
        value = _index(node, context)
    elif isinstance(node, Call):
        try:
            value = _IMPLEMENTATIONS[node.name](node.args, context)
        except _Failure as failure:
            raise EvaluationError(
                failure.kind, _one_line(context.mask(failure.description), 200),
                node.start + 1, node.name,
                context.expression.text,
            ) from None
    else:
        raise AssertionError(f"unexpected node {node!r}")
    if context.trace is not None:
        context.trace[id(node)] = value
    return value


class _Key:
    """An indexer's key, evaluated once the target has turned out to be a collection."""

    def __init__(self, node: Node | None, context: _Context) -> None:
        self.wildcard = isinstance(node, Wildcard)
        self._value = None if node is None or self.wildcard else _evaluate(node, context)

    def text(self) -> str | None:
        return _try_string(self._value)

    def position(self) -> int | None:
        number = _try_number(self._value)
        if number is None or number < 0:
            return None
        position = int(number)
        return position if position <= _UNBOUNDED else None


def _index(node: Index, context: _Context) -> object:
    """`a[0][0]…[0]`, however long (Azure bounds only open containers and length, not a
    chain of indexers), is evaluated in a loop from `a` outwards, never by recursion."""
    chain = [node]
    while isinstance(chain[-1].target, Index):
        chain.append(chain[-1].target)
    value = _evaluate(chain[-1].target, context)
    for link in reversed(chain):
        value = _index_step(link, value, context)
        if context.trace is not None:
            context.trace[id(link)] = value
    return value


def _index_step(node: Index, target: object, context: _Context) -> object:
    """`node` applied to its target's value."""
    if not isinstance(target, (list, _Object)):
        return _FilteredArray() if isinstance(node.key, Wildcard) else None
    key = _Key(node.key, context)
    if isinstance(target, _FilteredArray):
        hits = _FilteredArray()
        for item in target:
            if isinstance(item, _Object):
                if key.wildcard:
                    hits.extend(item.values())
                elif (name := key.text()) is not None:
                    found, value = item.lookup(name)
                    if found:
                        hits.append(value)
            elif isinstance(item, list):
                if key.wildcard:
                    hits.extend(item)
                elif (position := key.position()) is not None and position < len(item):
                    hits.append(item[position])
        return hits
    if key.wildcard:
        return _FilteredArray(target.values() if isinstance(target, _Object) else target)
    if isinstance(target, _Object):
        name = key.text()
        return None if name is None else target.get(name)
    position = key.position()
    return target[position] if position is not None and position < len(target) else None


_Args = Sequence[Node]


def _string_arg(node: Node, context: _Context) -> str:
    return _to_string(_evaluate(node, context))


def _and(args: _Args, context: _Context) -> bool:
    return all(_to_bool(_evaluate(arg, context)) for arg in args)


def _or(args: _Args, context: _Context) -> bool:
    return any(_to_bool(_evaluate(arg, context)) for arg in args)


def _not(args: _Args, context: _Context) -> bool:
    return not _to_bool(_evaluate(args[0], context))


def _xor(args: _Args, context: _Context) -> bool:
    left = _to_bool(_evaluate(args[0], context))
    return left != _to_bool(_evaluate(args[1], context))


def _eq(args: _Args, context: _Context) -> bool:
    left = _evaluate(args[0], context)
    return _equals(left, _evaluate(args[1], context))


def _ne(args: _Args, context: _Context) -> bool:
    return not _eq(args, context)


def _ordering(test: Callable[[int], bool]) -> Callable[[_Args, _Context], bool]:
    def implementation(args: _Args, context: _Context) -> bool:
        left = _evaluate(args[0], context)
        return test(_compare(left, _evaluate(args[1], context)))

    return implementation


def _in(args: _Args, context: _Context) -> bool:
    needle = _evaluate(args[0], context)
    return any(_equals(needle, _evaluate(candidate, context)) for candidate in args[1:])


def _not_in(args: _Args, context: _Context) -> bool:
    return not _in(args, context)


def _contains(args: _Args, context: _Context) -> bool:
    haystack = _string_arg(args[0], context)
    return _fold(_string_arg(args[1], context)) in _fold(haystack)


def _starts_with(args: _Args, context: _Context) -> bool:
    text = _string_arg(args[0], context)
    return _fold(text).startswith(_fold(_string_arg(args[1], context)))


def _ends_with(args: _Args, context: _Context) -> bool:
    text = _string_arg(args[0], context)
    return _fold(text).endswith(_fold(_string_arg(args[1], context)))


def _contains_value(args: _Args, context: _Context) -> bool:
    collection = _evaluate(args[0], context)
    if isinstance(collection, _Object):
        elements = collection.values()
    elif isinstance(collection, list):
        elements = list(collection)
    else:
        return False
    needle = _evaluate(args[1], context)
    return any(_equals(needle, element) for element in elements)


def _coalesce(args: _Args, context: _Context) -> object:
    value: object = None
    for arg in args:
        value = _evaluate(arg, context)
        if not (value is None or value == ""):
            return value
    return value


def _join(args: _Args, context: _Context) -> str:
    collection = _evaluate(args[1], context)
    if isinstance(collection, list):
        if not collection:
            return ""
        parts = [_try_string(item) or "" for item in collection]
        if len(parts) == 1:
            return parts[0]
        return _string_arg(args[0], context).join(parts)
    return _try_string(collection) or ""


_DATETIME_SPECIFIERS = frozenset(
    "yyyy yy MM M dd d HH H mm m ss s f ff fff ffff fffff ffffff fffffff zzz K".split()
)


def _datetime_part(value: datetime, specifier: str) -> str:
    letter = specifier[0]
    if letter == "y":
        return f"{value.year:04d}" if specifier == "yyyy" else f"{value.year % 100:02d}"
    if letter == "f":
        return f"{value.microsecond:06d}0"[: len(specifier)]
    if letter in "zK":
        return _offset_text(value)
    number = {"M": value.month, "d": value.day, "H": value.hour, "m": value.minute}.get(
        letter, value.second
    )
    return f"{number:02d}" if len(specifier) == 2 else str(number)


def _format_with_specifiers(value: datetime, specifiers: str) -> str:
    out: list[str] = []
    position = 0
    while position < len(specifiers):
        char = specifiers[position]
        if char == "\\":
            if position + 1 >= len(specifiers):
                raise _Failure("Format", f"The format specifiers '{specifiers}' are not valid")
            out.append(specifiers[position + 1])
            position += 2
        elif char == " ":
            out.append(" ")
            position += 1
        else:
            end = position
            while end < len(specifiers) and specifiers[end] == char:
                end += 1
            if specifiers[position:end] not in _DATETIME_SPECIFIERS:
                raise _Failure("Format", f"The format specifiers '{specifiers}' are not valid")
            out.append(_datetime_part(value, specifiers[position:end]))
            position = end
    return "".join(out)


def _read_placeholder(fmt: str, start: int) -> tuple[int, str, int] | None:
    """`{N}` or `{N:spec}` starting after the `{`: (N, spec, index of the closing `}`)."""
    end = start
    while end < len(fmt) and fmt[end].isdecimal():
        end += 1
    digits = fmt[start:end]
    if not digits or not digits.isascii() or int(digits) > 255:
        return None
    if end < len(fmt) and fmt[end] == "}":
        return int(digits), "", end
    if end >= len(fmt) or fmt[end] != ":":
        return None
    spec: list[str] = []
    position = end + 1
    while position < len(fmt):
        char = fmt[position]
        if char != "}":
            spec.append(char)
            position += 1
        elif position + 1 < len(fmt) and fmt[position + 1] == "}":
            spec.append("}")
            position += 2
        else:
            return int(digits), "".join(spec), position
    return None


def _format_segments(fmt: str, arguments: int) -> list[str | tuple[int, str]]:
    """Split a format string into text and `(argument, specifiers)` placeholders; the
    whole string is checked before any argument is evaluated, as in the engine."""
    invalid = _Failure("Format", f"The format string is invalid: {fmt}")
    segments: list[str | tuple[int, str]] = []
    index = 0
    while index < len(fmt):
        left, right = fmt.find("{", index), fmt.find("}", index)
        if left >= 0 and (right < 0 or right > left):
            if fmt[left + 1 : left + 2] == "{":
                segments.append(fmt[index : left + 1])
                index = left + 2
                continue
            placeholder = _read_placeholder(fmt, left + 1) if right > left + 1 else None
            if placeholder is None:
                raise invalid
            number, spec, close = placeholder
            if number >= arguments:
                raise _Failure(
                    "Format", f"The format string references more arguments than given: {fmt}"
                )
            segments.append(fmt[index:left])
            segments.append((number, spec))
            index = close + 1
        elif right >= 0:
            if fmt[right + 1 : right + 2] != "}":
                raise invalid
            segments.append(fmt[index : right + 1])
            index = right + 2
        else:
            segments.append(fmt[index:])
            break
    return segments


def _format(args: _Args, context: _Context) -> str:
    segments = _format_segments(_string_arg(args[0], context), len(args) - 1)
    evaluated: dict[int, tuple[object, str]] = {}
    out: list[str] = []
    for segment in segments:
        if isinstance(segment, str):
            out.append(segment)
            continue
        number, spec = segment
        if number not in evaluated:
            value = _evaluate(args[number + 1], context)
            evaluated[number] = (value, _to_string(value))
        value, text = evaluated[number]
        if not spec:
            out.append(text)
        elif isinstance(value, datetime):
            out.append(_format_with_specifiers(value, spec))
        else:
            raise _Failure(
                "Format",
                f"The format specifiers '{spec}' are not valid for objects of type "
                f"'{_kind(value)}'",
            )
    return "".join(out)


def _iif(args: _Args, context: _Context) -> object:
    condition = _to_bool(_evaluate(args[0], context))
    when_true = _evaluate(args[1], context)
    when_false = _evaluate(args[2], context)
    return when_true if condition else when_false


def _length(args: _Args, context: _Context) -> Decimal:
    value = _evaluate(args[0], context)
    if isinstance(value, str):
        return Decimal(_utf16_length(value))
    if isinstance(value, (list, _Object)):
        return Decimal(len(value))
    raise _Failure("NotSupported", f"length() does not support a value of kind {_kind(value)}")


def _lower(args: _Args, context: _Context) -> str:
    return _string_arg(args[0], context).translate(_case_table(False))


def _upper(args: _Args, context: _Context) -> str:
    return _string_arg(args[0], context).translate(_case_table(True))


def _trim(args: _Args, context: _Context) -> str:
    return _dotnet_trim(_string_arg(args[0], context))


def _replace(args: _Args, context: _Context) -> str:
    text = _string_arg(args[0], context)
    old = _string_arg(args[1], context)
    new = _string_arg(args[2], context)
    if not old:
        return text
    folded, folded_old = _fold(text), _fold(old)
    out: list[str] = []
    index = 0
    while (found := folded.find(folded_old, index)) >= 0:
        out.append(text[index:found])
        out.append(new)
        index = found + len(old)
    out.append(text[index:])
    return "".join(out)


def _split(args: _Args, context: _Context) -> list[object]:
    text = _string_arg(args[0], context)
    delimiter = _string_arg(args[1], context)
    return list(text.split(delimiter)) if delimiter else [text]


def _convert_to_json(args: _Args, context: _Context) -> str:
    return _json(_evaluate(args[0], context))


def _records(args: _Args, context: _Context) -> Iterator[str | None]:
    """Folded results of the named dependencies (None where unknown), or of all of them.
    Lazy, as in the engine: a status function that stops early leaves later names
    unevaluated."""
    if not args:
        for _, result in context.results.values():
            yield _fold(result)
        return
    for arg in args:
        record = context.results.get(_fold(_string_arg(arg, context)))
        yield None if record is None else _fold(record[1])


def _always(args: _Args, context: _Context) -> bool:
    return True


def _canceled(args: _Args, context: _Context) -> bool:
    return context.canceling


def _succeeded(args: _Args, context: _Context) -> bool:
    if context.canceling:
        return False
    all_succeeded = True
    for record in _records(args, context):
        if not all_succeeded or record is None:
            return False
        all_succeeded = record in _SUCCEEDED_RESULTS
    return all_succeeded


def _failed(args: _Args, context: _Context) -> bool:
    if context.canceling:
        return False
    for record in _records(args, context):
        if record is None:
            return False
        if record == "FAILED":
            return True
    return False


def _succeeded_or_failed(args: _Args, context: _Context) -> bool:
    """Unlike the 2019 engine, which kept only the last record's success (§9.1), every
    record that did not fail must have succeeded: a Skipped dependency makes it false."""
    if context.canceling:
        return False
    all_succeeded = True
    for record in _records(args, context):
        if record is None:
            return False
        if record == "FAILED":
            return True
        all_succeeded = all_succeeded and record in _SUCCEEDED_RESULTS
    return all_succeeded


_IMPLEMENTATIONS: dict[str, Callable[[_Args, _Context], object]] = {
    "and": _and,
    "or": _or,
    "not": _not,
    "xor": _xor,
    "eq": _eq,
    "ne": _ne,
    "gt": _ordering(lambda order: order > 0),
    "ge": _ordering(lambda order: order >= 0),
    "lt": _ordering(lambda order: order < 0),
    "le": _ordering(lambda order: order <= 0),
    "in": _in,
    "notIn": _not_in,
    "contains": _contains,
    "containsValue": _contains_value,
    "startsWith": _starts_with,
    "endsWith": _ends_with,
    "format": _format,
    "join": _join,
    "coalesce": _coalesce,
    "iif": _iif,
    "length": _length,
    "lower": _lower,
    "upper": _upper,
    "replace": _replace,
    "split": _split,
    "trim": _trim,
    "convertToJson": _convert_to_json,
    "always": _always,
    "canceled": _canceled,
    "failed": _failed,
    "succeeded": _succeeded,
    "succeededOrFailed": _succeeded_or_failed,
}


def _context(
    expression: Expression,
    variables: Mapping[str, str] | None,
    dependencies: Mapping[str, Mapping[str, object]] | None,
    ancestors: Mapping[str, str] | None,
    canceling: bool,
    start_time: datetime | None,
    secrets: Collection[str],
) -> _Context:
    records = _from_python(dict(dependencies or {}))
    assert isinstance(records, _Object)
    results: dict[str, tuple[str, str]] = {}
    for name, record in records.items():
        result = record.get("result") if isinstance(record, _Object) else None
        results[_fold(name)] = (name, _try_string(result) or "")
    for name, result in (ancestors or {}).items():
        results.setdefault(_fold(name), (name, str(result)))
    pipeline = {"startTime": start_time} if start_time is not None else {}
    variable_values = _Object(
        (name, value if value is None or isinstance(value, str) else display(value))
        for name, value in (variables or {}).items()
    )
    secret_values = {_try_string(variable_values.get(name)) for name in secrets}
    named = {
        "variables": variable_values,
        "dependencies": records,
        "stageDependencies": records,
        "pipeline": _from_python(pipeline),
    }
    masked = sorted((value for value in secret_values if value), key=len, reverse=True)
    return _Context(expression, named, results, canceling, masked)


def evaluate(
    text: str,
    variables: Mapping[str, str] | None = None,
    dependencies: Mapping[str, Mapping[str, object]] | None = None,
    ancestors: Mapping[str, str] | None = None,
    canceling: bool = False,
    start_time: datetime | None = None,
    secrets: Collection[str] = (),
) -> object:
    """Evaluate a stage/job condition and return its value as Python data (bool, Decimal,
    str, Version, datetime, None, list, dict).

    Variables are strings, as in Azure: other values given become their display text
    (False → 'False', which as a condition is true). `dependencies` maps each direct
    dependency to `{"result": ..., "outputs": {...}}` (the `dependencies` and
    `stageDependencies` contexts); `ancestors` maps indirect dependencies to their result,
    which only the status functions see (by name too). `canceling` is the run being
    canceled; `start_time` is `pipeline.startTime`; the values of the variables named in
    `secrets` show as *** in error messages. Raises ExpressionError.
    """
    expression = parse(text)
    context = _context(
        expression, variables, dependencies, ancestors, canceling, start_time, secrets
    )
    return _to_python(_evaluate(expression.root, context))


def evaluate_condition(
    text: str,
    variables: Mapping[str, str] | None = None,
    dependencies: Mapping[str, Mapping[str, object]] | None = None,
    ancestors: Mapping[str, str] | None = None,
    canceling: bool = False,
    start_time: datetime | None = None,
    secrets: Collection[str] = (),
) -> bool:
    """Whether the condition lets the stage/job run: its value converted to Boolean the
    way Azure does (a non-empty string, even 'false', is true)."""
    value = evaluate(
        text, variables, dependencies, ancestors, canceling, start_time, secrets
    )
    return _to_bool(_from_python(value))


# ----------------------------------------------------------------------- explain


@dataclass(frozen=True)
class ExplainStep:
    """One sub-expression and its value; `evaluated` is False where evaluation stopped
    early (short-circuiting) and the sub-expression was never looked at."""

    expression: str
    value: object
    display: str
    depth: int
    evaluated: bool


def _children(node: Node) -> list[Node]:
    if isinstance(node, Call):
        return list(node.args)
    if isinstance(node, Index):
        keep_key = node.key is not None and not node.dotted and not isinstance(node.key, Wildcard)
        return [node.target, node.key] if keep_key else [node.target]  # type: ignore[list-item]
    return []


SHOWN_SOURCE = 200
"""Longest sub-expression text an explanation shows whole; a longer one (a chain of
thousands of indexers) shows its start and end, so an explanation stays linear in size."""


def _source_shown(expression: Expression, node: Node) -> str:
    if expression.implicit or node.end - node.start <= SHOWN_SOURCE:
        return expression.source(node)
    half = SHOWN_SOURCE // 2
    text = expression.text
    return text[node.start : node.start + half] + "…" + text[node.end - half : node.end]


def _masked(value: object, context: _Context) -> object:
    if isinstance(value, str):
        return context.mask(value)
    if isinstance(value, _Object):
        return _Object((key, _masked(item, context)) for key, item in value.items())
    if isinstance(value, list):
        return [_masked(item, context) for item in value]
    return value


def explain(
    text: str,
    variables: Mapping[str, str] | None = None,
    dependencies: Mapping[str, Mapping[str, object]] | None = None,
    ancestors: Mapping[str, str] | None = None,
    canceling: bool = False,
    start_time: datetime | None = None,
    secrets: Collection[str] = (),
) -> list[ExplainStep]:
    """Every sub-expression with its value, in pre-order. The contexts themselves
    (`variables`, …) and property names after `.` are part of an access and not listed.
    Secret values show as ***. Raises ExpressionError like `evaluate`."""
    expression = parse(text)
    context = _context(
        expression, variables, dependencies, ancestors, canceling, start_time, secrets
    )
    trace: dict[int, object] = {}
    context.trace = trace
    _evaluate(expression.root, context)
    steps: list[ExplainStep] = []

    pending: list[tuple[Node, int]] = [(expression.root, 0)]  # a stack: chains are long
    while pending:
        node, depth = pending.pop()
        if isinstance(node, NamedValue):
            continue
        source = _source_shown(expression, node)
        if id(node) in trace:
            value = _to_python(_masked(trace[id(node)], context))
            steps.append(ExplainStep(source, value, display(value), depth, True))
        else:
            steps.append(ExplainStep(source, None, "", depth, False))
        pending.extend((child, depth + 1) for child in reversed(_children(node)))
    return steps


def _shown(step: ExplainStep) -> str:
    if not step.evaluated:
        return "(not evaluated)"
    if step.value is None:
        return "null"
    if isinstance(step.value, str):
        return _quote(step.value)
    return " ".join(step.display.split()) if "\n" in step.display else step.display


def explain_text(
    text: str,
    variables: Mapping[str, str] | None = None,
    dependencies: Mapping[str, Mapping[str, object]] | None = None,
    ancestors: Mapping[str, str] | None = None,
    canceling: bool = False,
    start_time: datetime | None = None,
    secrets: Collection[str] = (),
) -> str:
    """`explain` as indented lines, `expression → value`, two spaces per level (up to
    MAX_DEPTH levels: deeper steps, in long chains of indexers, stay at that indent);
    strings are shown quoted so that `'1'` and `1` read differently."""
    steps = explain(
        text, variables, dependencies, ancestors, canceling, start_time, secrets
    )
    return "\n".join(
        f"{'  ' * min(step.depth, MAX_DEPTH)}{' '.join(step.expression.split())} → "
        f"{_shown(step)}"
        for step in steps
    )


# -------------------------------------------------------------- stage references


@dataclass(frozen=True)
class _StageReference:
    name: str
    start: int
    end: int
    opener: int | None
    """The `.` before a property-style reference (`dependencies.Build`), else None."""


def _walk(root: Node) -> Iterator[Node]:
    """Every node in pre-order, with a stack (a chain of indexers can be thousands long)."""
    pending = [root]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, Call):
            pending.extend(reversed(node.args))
        elif isinstance(node, Index):
            if node.key is not None:
                pending.append(node.key)
            pending.append(node.target)


def _stage_references(expression: Expression) -> list[_StageReference]:
    references: list[_StageReference] = []
    if expression.implicit:
        return references
    for node in _walk(expression.root):
        if isinstance(node, Call) and node.name.lower() in _STATUS_FUNCTIONS:
            for arg in node.args:
                if isinstance(arg, Literal) and isinstance(arg.value, str):
                    references.append(_StageReference(arg.value, arg.start, arg.end, None))
        elif (
            isinstance(node, Index)
            and isinstance(node.target, NamedValue)
            and node.target.name.lower() in _STAGE_CONTEXTS
            and isinstance(node.key, Literal)
            and isinstance(node.key.value, str)
        ):
            opener = node.opener if node.dotted else None
            references.append(
                _StageReference(node.key.value, node.key.start, node.key.end, opener)
            )
    return references


def referenced_stages(text: str) -> set[str]:
    """Stage names a condition refers to, as written: arguments of the status functions
    and the first key after `dependencies` / `stageDependencies`. Empty if unparsable."""
    try:
        expression = parse(text)
    except ExpressionError:
        return set()
    return {reference.name for reference in _stage_references(expression)}


def _quote(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def rename_stage_references(text: str, old: str, new: str) -> str:
    """Rewrite the references to stage `old` (matched case-insensitively, as Azure looks
    stages up) to `new`, leaving every other character as it was. A text that does not
    parse is returned unchanged."""
    if old == new:
        return text
    if "'" not in old and _fold(old) not in _fold(text):
        return text  # names it nowhere (a quote in the name would be doubled in the text)
    try:
        expression = parse(text)
    except ExpressionError:
        return text
    edits: list[tuple[int, int, str]] = []
    for reference in _stage_references(expression):
        if not _ci_equal(reference.name, old):
            continue
        if reference.opener is None:
            edits.append((reference.start, reference.end, _quote(new)))
        elif _KEYWORD.fullmatch(new):
            edits.append((reference.start, reference.end, new))
        else:
            edits.append((reference.opener, reference.end, "[" + _quote(new) + "]"))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text
