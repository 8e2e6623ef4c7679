"""THIRD-PARTY-NOTICES.txt: every distribution the app runs on (the runtime closure of
release-manager's requirements, as installed), its version, licence and licence texts."""

from __future__ import annotations

import importlib.metadata as metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT_DISTRIBUTION = "release-manager"
LGPL_NOTE = (
    "Shipped under the LGPL-3.0 (see LGPL-3.0.txt and GPL-3.0.txt beside this file); its\n"
    "wheels carry no licence text. Qt's libraries are separate files in the bundle and\n"
    "may be replaced. Sources: https://download.qt.io/official_releases/\n"
)
LGPL_DISTRIBUTIONS = {"pyside6-essentials", "shiboken6"}


def runtime_closure(root: str = ROOT_DISTRIBUTION) -> list[metadata.Distribution]:
    """`root` and everything it requires on this platform (no extras), by name."""
    found: dict[str, metadata.Distribution] = {}
    pending = [root]
    while pending:
        name = canonicalize_name(pending.pop())
        if name in found:
            continue
        distribution = metadata.distribution(name)
        found[name] = distribution
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return sorted(found.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


def licence_of(distribution: metadata.Distribution) -> str:
    meta = distribution.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [c.rsplit(" :: ", 1)[-1] for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    declared = (meta.get("License") or "").strip()
    if declared and "\n" not in declared and len(declared) < 100:
        return declared
    if classifiers:
        return ", ".join(classifiers)
    return declared.splitlines()[0] if declared else "see the licence files below"


def licence_texts(distribution: metadata.Distribution) -> list[tuple[str, str]]:
    files = [f for f in distribution.files or []
             if any(word in f.name.upper() for word in ("LICEN", "COPYING", "NOTICE"))
             and ".dist-info" in str(f)]
    return [(str(f), Path(f.locate()).read_text(encoding="utf-8", errors="replace"))
            for f in files]


def notices() -> str:
    parts = ["Release Manager includes the following software.\n"]
    for distribution in runtime_closure():
        name = distribution.metadata["Name"]
        parts.append(f"\n{'=' * 78}\n{name} {distribution.version}: "
                     f"{licence_of(distribution)}\n{'=' * 78}\n")
        if canonicalize_name(name) in LGPL_DISTRIBUTIONS:
            parts.append(LGPL_NOTE)
        for path, text in licence_texts(distribution):
            parts.append(f"\n--- {path} ---\n{text.rstrip()}\n")
    return "".join(parts)


def write_notices(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(notices(), encoding="utf-8")
    return out


if __name__ == "__main__":
    print(notices())
