"""A local, stateful HTTPS emulator of the Azure DevOps REST API subset the app uses
(emulator.AzureDevOpsEmulator) and of the Azure Resource Manager App Service operations
(arm.emulator.AppServiceEmulator), for tests only."""

from .arm.emulator import MANAGEMENT_SCOPE, AppServiceEmulator
from .auth import Identity
from .emulator import AzureDevOpsEmulator, LoggedRequest
from .faults import Hold
from .state import StageSpec

__all__ = ["MANAGEMENT_SCOPE", "AppServiceEmulator", "AzureDevOpsEmulator", "Hold", "Identity",
           "LoggedRequest", "StageSpec"]
