"""What the user is told when work fails: the sentence for an error the app expects (a
backend's refusal, a damaged workspace, a file that does not load, a name that cannot be
used, a disk that says no), or, for any other error (a bug), that it was unexpected: its
details go to the crash report, never on screen as "TypeError: …".

Qt-free, so the window and the CLI say the same thing."""

from __future__ import annotations

from functools import cache

UNEXPECTED = "an unexpected error stopped it (the error dialog says more)"


@cache
def _expected() -> tuple[type[BaseException], ...]:
    """The errors whose message is written for the user (imported when one is first
    asked about: nothing here loads at start-up)."""
    from keyring.errors import KeyringError

    from release_manager.core.environment_names import EnvironmentNameError
    from release_manager.core.identity_names import IdentityError
    from release_manager.core.model import ModelError
    from release_manager.core.yaml_guard import PipelineLoadError
    from release_manager.credentials import NoSecureStore
    from release_manager.engine.azure.checks import CheckMappingError
    from release_manager.engine.backend_errors import BackendError
    from release_manager.engine.release_session import NotAWorkspace
    from release_manager.engine.store import DefinitionAltered, StoreUnusable
    from release_manager.engine.workspace import WorkspaceError

    return (BackendError, WorkspaceError, StoreUnusable, NotAWorkspace, PipelineLoadError,
            ModelError, DefinitionAltered, IdentityError, EnvironmentNameError,
            NoSecureStore, KeyringError, CheckMappingError, KeyError, OSError)


def is_expected(error: BaseException) -> bool:
    """Whether `error` is one the app expects (its message is for the user); any other
    is a bug, for the crash report."""
    return isinstance(error, _expected())


def user_message(error: BaseException) -> str:
    """The sentence shown for `error`: its own message for an expected error (with the
    permission a `Forbidden` lacks, the file an `OSError` is about), else `UNEXPECTED`."""
    from release_manager.engine.backend_errors import Forbidden

    if not is_expected(error):
        return UNEXPECTED
    if isinstance(error, Forbidden) and error.permission \
            and error.permission not in str(error):
        return f"{str(error).rstrip('.')} (missing permission: {error.permission})."
    if isinstance(error, KeyError) and error.args and isinstance(error.args[0], str):
        return error.args[0]  # the store's "there is no build 7", without repr's quotes
    if isinstance(error, OSError) and error.strerror and error.filename is not None:
        return f"{error.filename}: {error.strerror}"
    return str(error)
