"""An environment's name as the engine uses it: its releases' folder and its lock file are
named after it, so it is a name, never a path (`rollback ../../etc` touches nothing)."""

from __future__ import annotations

NOT_IN_NAMES = '/\\:*?"<>|'
"""Path separators and the characters no file name may hold on Windows."""


class EnvironmentNameError(ValueError):
    """A name that cannot be an environment's; the message says why."""


def environment_name_problem(name: str) -> str:
    """Why `name` is not a usable environment name ("" when it is)."""
    if not name.strip():
        return "an environment name cannot be empty"
    odd = next((c for c in name if c in NOT_IN_NAMES or not c.isprintable()), "")
    if odd:
        return (f"{name!r} is not an environment name: an environment name is not a path "
                f"and cannot hold {odd!r}")
    if name.startswith("."):
        return f"{name!r} is not an environment name: it cannot start with '.'"
    return ""


def check_environment_name(name: str) -> str:
    """`name`, or EnvironmentNameError saying why it is not an environment name."""
    problem = environment_name_problem(name)
    if problem:
        raise EnvironmentNameError(problem)
    return name
