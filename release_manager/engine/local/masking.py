"""Secret values never reach a log line: each, and each of its encoded forms (base64,
URL, JSON: core/secret_forms.py), is replaced by `***`."""

from __future__ import annotations

from release_manager.core.secret_forms import secret_forms
from release_manager.crash_report import remember_secret

MASK = "***"


class Masker:
    """The secret values known so far (queue-time secrets, `issecret` variables)."""

    def __init__(self, values: list[str] | None = None) -> None:
        self._values: list[str] = []
        for value in values or []:
            self.add(value)

    def add(self, value: str) -> None:
        """Register a secret; a multi-line value is also masked line by line, since
        output arrives one line at a time."""
        remember_secret(value)  # nor a crash report
        for part in [value, *value.splitlines()]:
            if not part.strip():
                continue
            for form in secret_forms(part):
                if form not in self._values:
                    self._values.append(form)
        self._values.sort(key=len, reverse=True)

    def mask(self, line: str) -> str:
        for value in self._values:
            if value in line:
                line = line.replace(value, MASK)
        return line


class MaskedLog:
    """A log writer that masks every line before passing it on."""

    def __init__(self, sink: object, masker: Masker) -> None:
        self._write = sink.write  # type: ignore[attr-defined]
        self.masker = masker

    def write(self, line: str) -> None:
        self._write(self.masker.mask(line))
