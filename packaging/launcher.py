"""The frozen app's entry point: `release-manager` as the pip install has it."""

import sys

from release_manager.cli import main

if __name__ == "__main__":
    sys.exit(main())
