"""The Azure Resource Manager half of the emulator: the App Service operations the app
uses (azure-mgmt-web), subscriptions and web apps to pick from. See
emulator.AppServiceEmulator."""
