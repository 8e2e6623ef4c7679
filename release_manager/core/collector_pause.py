"""Holding the cyclic garbage collector back while a pipeline's objects are made.

Reading a pipeline makes tens of thousands of containers (its YAML tree, its model, its
graph's plan) that all live on. The collector, set off every few hundred allocations,
would walk them again and again, and a full collection stops every thread: the window's
too, while a worker reads. Paused, the objects are walked once, by the first collection
after it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block (nested blocks: the outermost restarts it)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
