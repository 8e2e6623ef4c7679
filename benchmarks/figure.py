"""The one result type every benchmark module returns from ``run()``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure and, when there is one, its baseline measured in the same run."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_unit: str | None = None

    @property
    def ratio(self) -> float | None:
        """value / baseline (whether higher is better depends on the figure)."""
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    def __str__(self) -> str:
        line = f"{self.name}: {_number(self.value)} {self.unit}"
        if self.baseline is None:
            return line
        ratio = self.ratio
        shown = "n/a" if ratio is None else f"{ratio:.3g}"
        unit = self.baseline_unit or self.unit
        return f"{line} (baseline: {_number(self.baseline)} {unit}, ratio: {shown})"


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"
