"""A local, stateful HTTPS emulator of the Azure DevOps REST API subset the app uses, for
tests only. See emulator.AzureDevOpsEmulator."""

from .auth import Identity
from .emulator import AzureDevOpsEmulator, LoggedRequest
from .faults import Hold
from .state import StageSpec

__all__ = ["AzureDevOpsEmulator", "Hold", "Identity", "LoggedRequest", "StageSpec"]
