"""Azure's logging commands in a step's output: `##vso[area.action k=v;…]data`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_COMMAND = re.compile(r"##vso\[(?P<name>[A-Za-z0-9_.\-]+)(?:\s+(?P<props>[^\]]*))?\](?P<data>.*)$")
_ESCAPES = (("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%25", "%"))


def unescape(text: str) -> str:
    """Undo the agent's escaping of `;`, line breaks, `]` and `%` (in that order)."""
    for escaped, plain in _ESCAPES:
        text = text.replace(escaped, plain).replace(escaped.lower(), plain)
    return text


@dataclass
class LoggingCommand:
    name: str
    """`task.setvariable`, lower-cased."""
    properties: dict[str, str] = field(default_factory=dict)
    """Property names lower-cased."""
    data: str = ""

    def flag(self, key: str) -> bool:
        return self.properties.get(key, "").strip().lower() == "true"


def parse(line: str) -> LoggingCommand | None:
    """The command in `line`, or None. The agent finds `##vso[` anywhere in a line, so a
    prefix (a timestamp, a tool's own decoration) does not hide it."""
    if "##vso[" not in line:
        return None
    match = _COMMAND.search(line)
    if match is None:
        return None
    properties: dict[str, str] = {}
    for part in (match.group("props") or "").split(";"):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            properties[key.strip().lower()] = unescape(value)
    return LoggingCommand(match.group("name").lower(), properties, unescape(match.group("data")))
