"""Release Manager: a desktop release manager for Azure Pipelines."""

__version__ = "0.1.0"
