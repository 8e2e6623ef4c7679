"""The REST API areas the emulator serves, one module each."""
