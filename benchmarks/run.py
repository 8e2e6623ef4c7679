"""Run benchmark modules and print their figures.

    python benchmarks/run.py [NAME...]

Each NAME is a module ``benchmarks/NAME.py`` with a ``run() -> list[Figure]`` function;
with no names, every module in this folder that has one runs, in name order. Each
figure prints as ``name: value unit (baseline: value unit, ratio: x)``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for folder in (HERE, REPO):  # benchmark modules import `figure` and `release_manager`
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


def _load(name: str) -> ModuleType:
    path = HERE / f"{name}.py"
    if not path.is_file():
        raise LookupError(f"no benchmark module {path}")
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _all_modules() -> list[ModuleType]:
    modules = []
    for path in sorted(HERE.glob("*.py")):
        if path.name != Path(__file__).name and not path.name.startswith("_"):
            module = _load(path.stem)
            if callable(getattr(module, "run", None)):
                modules.append(module)
    return modules


def main(argv: list[str]) -> int:
    try:
        modules = [_load(name) for name in argv] if argv else _all_modules()
    except LookupError as error:
        print(error, file=sys.stderr)
        return 2
    for module in modules:
        for figure in module.run():
            print(figure, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
